using System.CommandLine;
using MidiGenre.Notebooks;

namespace MidiGenre.Cli.Commands;

/// <summary>`midigenre kernel [--path DIR]`: registers the notebooks' kernel with Jupyter.</summary>
static class KernelCommand
{
    public static Command Create()
    {
        var path = new Option<string>("--path")
        {
            Description = "Jupyter kernels folder to write into (default: your user's, ~/.local/share/jupyter/kernels)",
        };
        var cmd = new Command(
            "kernel",
            $"Register the notebooks' kernel ({JupyterKernel.Name}: .NET Interactive, the local tool `dotnet tool "
                + "restore` installs) with Jupyter: JupyterLab, Jupyter Notebook and VS Code's Jupyter extension run "
                + "the notebooks without the retired Polyglot Notebooks extension; its ports stay on the loopback "
                + "interface"
        )
        {
            path,
        };
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                string file = JupyterKernel.Install(r.GetValue(path) ?? JupyterKernel.UserKernels);
                Console.WriteLine($"kernel {JupyterKernel.Name} registered: {file}");
                Console.WriteLine(
                    "open notebooks/ in Jupyter (jupyter lab notebooks/) or VS Code's Jupyter extension; the kernel "
                        + "starts from the repository (run `dotnet tool restore` and `dotnet build MidiGenre.sln -c "
                        + "Release` there once)"
                );
                return 0;
            })
        );
        return cmd;
    }
}

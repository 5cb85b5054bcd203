using System.CommandLine;
using MidiGenre.Cli.Apps;
using MidiGenre.Notebooks;

namespace MidiGenre.Cli.Commands;

/// <summary>`midigenre apps [--check]`: generates the notebooks' file-based apps (apps/NN-name.cs).</summary>
static class AppsCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check")
        {
            Description = "Write nothing; exit 1 naming every app that differs from what its notebook generates (CI)",
        };
        var cmd = new Command(
            "apps",
            "Generate apps/NN-name.cs from each notebook: the same walkthrough as a plain C# program (`dotnet run "
                + "apps/04-attacks-fgsm-pgd.cs`) that needs no notebook kernel and writes what the notebook shows "
                + "into artifacts/apps/NN-name.html; `notebooks --engine app` runs all six"
        )
        {
            check,
        };
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                string root = NotebookRunner.FindRepositoryRoot(Directory.GetCurrentDirectory());
                var stale = Generate(root, write: !r.GetValue(check));
                if (r.GetValue(check) && stale.Count > 0)
                {
                    Console.Error.WriteLine(
                        $"out of date: {string.Join(", ", stale)}; run `midigenre apps` and commit the result"
                    );
                    return 1;
                }
                Console.WriteLine(
                    r.GetValue(check)
                        ? $"all {NotebookRunner.Order.Count} apps are current"
                        : $"{stale.Count} app(s) written to {Path.Combine(root, NotebookApp.Folder)}"
                );
                return 0;
            })
        );
        return cmd;
    }

    /// <summary>The apps whose file differs from what their notebook generates; written when <paramref
    /// name="write"/>.</summary>
    public static List<string> Generate(string root, bool write)
    {
        var stale = new List<string>();
        string dir = Path.Combine(root, NotebookApp.Folder);
        foreach (var name in NotebookRunner.Order)
        {
            string path = Path.Combine(dir, NotebookApp.FileName(name));
            string code = NotebookApp.Generate(Path.Combine(root, "notebooks", name + ".ipynb"));
            if (File.Exists(path) && File.ReadAllText(path) == code)
                continue;
            stale.Add(Path.GetRelativePath(root, path));
            if (write)
            {
                Directory.CreateDirectory(dir);
                MidiGenre.Common.AtomicFile.WriteAllText(path, code);
            }
        }
        return stale;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace MidiGenre.Notebooks;

/// <summary>
/// The notebooks' kernel for Jupyter: .NET Interactive (`Microsoft.dotnet-interactive`, pinned in
/// .config/dotnet-tools.json, so `dotnet tool restore` brings it) registered as a Jupyter kernel spec named
/// <see cref="Name"/> — the name the notebooks' metadata asks for — so JupyterLab, Jupyter Notebook, `jupyter
/// nbconvert --execute` and VS Code's own Jupyter extension run the six notebooks without the retired Polyglot
/// Notebooks extension. The spec starts the repository's local tool (`dotnet dotnet-interactive`, found from the
/// notebook's folder) with its HTTP ports bound to the loopback interface only.
/// </summary>
public static class JupyterKernel
{
    public const string Name = ".net-csharp";

    /// <summary>Jupyter's per-user kernel folder on Linux and macOS (<c>jupyter --data-dir</c>/kernels).</summary>
    public static string UserKernels =>
        Path.Combine(
            Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } data
                ? data
                : Path.Combine(
                    Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                    ".local",
                    "share",
                    "jupyter"
                ),
            "kernels"
        );

    /// <summary>The kernel's command line (Jupyter fills in the connection file).</summary>
    public static IReadOnlyList<string> Argv =>
        [
            "dotnet",
            "dotnet-interactive",
            "jupyter",
            "--default-kernel",
            "csharp",
            "--http-local-only",
            "--http-port-range",
            "2048-3000",
            "{connection_file}",
        ];

    /// <summary>Writes the spec into <paramref name="kernelsDir"/>/<see cref="Name"/>/kernel.json and returns that
    /// file's path.</summary>
    public static string Install(string kernelsDir)
    {
        string dir = Path.Combine(Path.GetFullPath(kernelsDir), Name);
        Directory.CreateDirectory(dir);
        var spec = new JsonObject
        {
            ["argv"] = new JsonArray([.. Argv.Select(a => (JsonNode)a)]),
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["metadata"] = new JsonObject { ["midigenre"] = "dotnet-interactive 1.0.712001, local tool" },
        };
        string path = Path.Combine(dir, "kernel.json");
        File.WriteAllText(path, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}

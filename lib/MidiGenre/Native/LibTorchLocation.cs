using System.Text.RegularExpressions;

namespace MidiGenre.Native;

/// <summary>A libtorch that cannot serve this TorchSharp, or a MIDIGENRE_LIBTORCH folder that holds none: found before
/// the first torch call.</summary>
public sealed class LibTorchException(string message) : Exception(message);

/// <summary>
/// Where libtorch comes from: the CPU libtorch that ships with the build, or — with <see cref="Variable"/> naming a
/// libtorch <c>lib</c> folder, such as an installed PyTorch's <c>torch/lib</c> — that one, CUDA included. Before such
/// a libtorch is loaded, every function libLibTorchSharp imports from it is looked up in its libraries
/// (<see cref="ElfSymbols"/>); one missing means a version this TorchSharp cannot call, refused with both versions.
/// </summary>
public sealed partial record LibTorchLocation(string Directory, bool External, string Version, int Imports)
{
    public const string Variable = "MIDIGENRE_LIBTORCH";

    /// <summary>Load order: each library after the ones it links to.</summary>
    public static readonly string[] Libraries =
    [
        "libc10.so",
        "libc10_cuda.so",
        "libtorch_cpu.so",
        "libtorch_cuda.so",
        "libtorch.so",
    ];

    /// <summary>The libtorch version this build's TorchSharp was made for (the bundled CPU libtorch).</summary>
    public static string BundledVersion =>
        typeof(LibTorchLocation)
            .Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LibTorchVersion")
            ?.Value
        ?? "unknown";

    public static string TorchSharpVersion =>
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>The folder MIDIGENRE_LIBTORCH names, checked against <paramref name="libTorchSharp"/>'s imports.
    /// Refused, too, when the build carries its own CPU libtorch in <paramref name="bundledDir"/>: TorchSharp looks
    /// for libtorch beside the app first, and two libtorch copies in one process abort it at start.</summary>
    public static LibTorchLocation Checked(string directory, string libTorchSharp, string bundledDir)
    {
        string dir = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(dir, "libtorch.so")) || !File.Exists(Path.Combine(dir, "libc10.so")))
            throw new LibTorchException(
                $"{Variable}={directory}: no libtorch.so and libc10.so there; name a libtorch lib folder, e.g. "
                    + "$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib"
            );
        string version = VersionIn(dir);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lib in Libraries.Select(l => Path.Combine(dir, l)).Where(File.Exists))
            defined.UnionWith(ElfSymbols.Read(lib).Defined);
        var imports = ElfSymbols.Read(libTorchSharp).RequiredUnversioned;
        var missing = imports.Where(s => !defined.Contains(s)).ToList();
        if (missing.Count > 0)
            throw new LibTorchException(
                $"{Variable}={directory}: libtorch {version} lacks {missing.Count} of the {imports.Count} functions "
                    + $"TorchSharp {TorchSharpVersion} (made for libtorch {BundledVersion}) calls, e.g. {missing[0]}; "
                    + $"use a libtorch/PyTorch close to {BundledVersion} (2.11.0+cu130 was seen to work), or unset "
                    + $"{Variable} to use the bundled CPU libtorch"
            );
        if (
            File.Exists(Path.Combine(bundledDir, "libtorch_cpu.so"))
            && Path.GetFullPath(bundledDir).TrimEnd('/') != dir.TrimEnd('/')
        )
            throw new LibTorchException(
                $"{Variable}={directory}, but this build carries the CPU libtorch ({bundledDir}); TorchSharp would "
                    + "load both and abort. Build without it (dotnet build -p:TorchBackend=external, or "
                    + "scripts/gpu/pack.sh), or unset "
                    + Variable
            );
        return new LibTorchLocation(dir, true, version, imports.Count);
    }

    public static LibTorchLocation Bundled(string directory) => new(directory, false, BundledVersion, 0);

    /// <summary>The version a libtorch folder states: PyTorch's <c>torch/version.py</c>, or the
    /// <c>build-version</c> file of a libtorch archive.</summary>
    public static string VersionIn(string libDir)
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(libDir).TrimEnd('/'))!;
        string python = Path.Combine(root, "version.py");
        if (File.Exists(python) && VersionLine().Match(File.ReadAllText(python)) is { Success: true } m)
            return m.Groups[1].Value;
        string build = Path.Combine(root, "build-version");
        return File.Exists(build) ? File.ReadAllText(build).Trim() : "of unknown version";
    }

    [GeneratedRegex(@"__version__\s*=\s*['""]([^'""]+)['""]")]
    private static partial Regex VersionLine();
}

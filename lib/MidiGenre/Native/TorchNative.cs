using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TextEncoding = System.Text.Encoding;

namespace MidiGenre.Native;

/// <summary>
/// Makes TorchSharp's native libraries loadable before the first <c>torch</c> call, in tests, the CLI and notebooks.
/// On systems whose libstdc++ lacks GLIBCXX_3.4.32 (GCC 12: Debian 12, Ubuntu 22.04) it patches a copy of
/// libLibTorchSharp.so (see <see cref="ElfVersionPatch"/>): in place when the copy lives in a build output,
/// otherwise in the project's own cache folder. It never edits the NuGet cache. libtorch itself is the bundled CPU
/// one, or the one MIDIGENRE_LIBTORCH names (<see cref="LibTorchLocation"/>), checked before it is loaded.
/// </summary>
public static class TorchNative
{
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static string? _report;

    /// <summary>An AppContext switch that, set before the library is first used, skips loading libtorch at start-up.
    /// Only for processes that never use TorchSharp: nothing loads it later.</summary>
    public const string DeferSwitch = "MidiGenre.DeferTorchNatives";

    /// <summary>What <see cref="Ensure"/> did (natives found, patch applied, allocator settings), for diagnostics and
    /// tests.</summary>
    public static string Report => _report ?? "not initialised";

    /// <summary>Where libtorch was loaded from (null before <see cref="Ensure"/>, or when TorchSharp probes on its
    /// own).</summary>
    public static LibTorchLocation? LibTorch { get; private set; }

    /// <summary>Why libtorch could not be set up (a refused MIDIGENRE_LIBTORCH, say), or null.</summary>
    public static string? Failure { get; private set; }

    /// <summary>Throws the set-up failure as a <see cref="LibTorchException"/>: call before the first tensor where a
    /// clear message beats a crash.</summary>
    public static void ThrowIfFailed()
    {
        if (Failure != null)
            throw new LibTorchException(Failure);
    }

#pragma warning disable CA2255 // a module initializer is the point: any use of the library prepares torch first
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init()
    {
        if (AppContext.TryGetSwitch(DeferSwitch, out bool defer) && defer)
            return; // a process that never touches a tensor (the CLI's encode, prepare, synth, help)
        try
        {
            Ensure();
        }
        catch (Exception e)
        {
            Failure = e.Message;
            _report = "torch native setup failed: " + e.Message;
        }
    }

    /// <summary>Idempotent. Loads libc10, libtorch_cpu, libtorch and (patched if needed) libLibTorchSharp.</summary>
    public static void Ensure()
    {
        lock (Gate)
        {
            if (_report != null)
                return;
            if (!OperatingSystem.IsLinux())
            {
                _report = "not Linux: nothing to do";
                return;
            }
            // before libtorch is loaded, so its first buffer sees the settings
            string allocator = CpuMemoryTuning.Apply();
            string? dir = FindNativeDirectory();
            if (dir == null)
            {
                _report =
                    $"libLibTorchSharp.so not found beside the app; TorchSharp will probe on its own; {allocator}";
                return;
            }
            string sharp = Path.Combine(dir, "libLibTorchSharp.so");
            var libTorch = Environment.GetEnvironmentVariable(LibTorchLocation.Variable) is { Length: > 0 } external
                ? LibTorchLocation.Checked(external, sharp, bundledDir: dir)
                : LibTorchLocation.Bundled(dir);
            bool systemHas = SystemLibStdCxxHas(RequiredGlibcxx);
            string toLoad = sharp;
            string action = "no patch needed";
            if (!systemHas)
            {
                byte[] bytes = File.ReadAllBytes(sharp);
                if (ElfVersionPatch.RequiresVersion(bytes, RequiredGlibcxx))
                {
                    ElfVersionPatch.MarkVersionWeak(bytes, RequiredGlibcxx);
                    toLoad = IsInNuGetCache(dir) ? WriteCachedCopy(dir, bytes) : WriteInPlace(sharp, bytes);
                    action = $"patched {RequiredGlibcxx} to weak in {toLoad}";
                }
                else
                    action = "already patched";
            }
            // Load the dependencies by full path first so the patched LibTorchSharp binds to these exact copies.
            foreach (var name in LibTorchLocation.Libraries)
            {
                string p = Path.Combine(libTorch.Directory, name);
                if (File.Exists(p))
                    NativeLibrary.Load(p);
            }
            NativeLibrary.Load(toLoad);
            LibTorch = libTorch;
            _report =
                $"libtorch {libTorch.Version} from {libTorch.Directory}"
                + (libTorch.External ? $" ({LibTorchLocation.Variable}; {libTorch.Imports} imports checked)" : "")
                + $"; LibTorchSharp from {dir}; system libstdc++ has {RequiredGlibcxx}: {systemHas}; {action}; "
                + allocator;
        }
    }

    static string? FindNativeDirectory()
    {
        var roots = new List<string> { AppContext.BaseDirectory };
        string? torchDll = typeof(TorchSharp.torch).Assembly.Location;
        if (!string.IsNullOrEmpty(torchDll))
            roots.Add(Path.GetDirectoryName(torchDll)!);
        string? own = typeof(TorchNative).Assembly.Location;
        if (!string.IsNullOrEmpty(own))
            roots.Add(Path.GetDirectoryName(own)!);
        foreach (var root in roots.Distinct())
        foreach (var sub in new[] { Path.Combine("runtimes", "linux-x64", "native"), "" })
        {
            string d = Path.Combine(root, sub);
            // libtorch beside it, or a build whose CPU libtorch was removed for a libtorch named by the variable
            if (
                File.Exists(Path.Combine(d, "libLibTorchSharp.so"))
                && (
                    File.Exists(Path.Combine(d, "libtorch_cpu.so"))
                    || Environment.GetEnvironmentVariable(LibTorchLocation.Variable) is { Length: > 0 }
                )
            )
                return d;
        }
        return null;
    }

    /// <summary>Finds the libstdc++ this process uses (the .NET runtime links it) and looks for the version
    /// string.</summary>
    public static bool SystemLibStdCxxHas(string version)
    {
        string? path = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int i = line.IndexOf('/');
                if (i >= 0 && line.Contains("libstdc++.so"))
                {
                    path = line[i..];
                    break;
                }
            }
        }
        catch (IOException) { }
        path ??= new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
        }.FirstOrDefault(File.Exists);
        if (path == null)
            return true; // cannot tell: leave the library untouched
        byte[] needle = TextEncoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }

    static bool IsInNuGetCache(string dir) =>
        dir.Replace('\\', '/').Contains("/.nuget/packages/", StringComparison.OrdinalIgnoreCase);

    static string WriteInPlace(string path, byte[] bytes)
    {
        AtomicFile.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A private folder under the user's cache with links to the originals and the patched
    /// LibTorchSharp.</summary>
    static string WriteCachedCopy(string dir, byte[] bytes)
    {
        string cache = Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData),
            "midigenre",
            "torch-native",
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(TextEncoding.UTF8.GetBytes(dir)))[..16]
        );
        Directory.CreateDirectory(cache);
        string target = Path.Combine(cache, "libLibTorchSharp.so");
        if (!File.Exists(target))
            AtomicFile.WriteAllBytes(target, bytes);
        return target;
    }
}

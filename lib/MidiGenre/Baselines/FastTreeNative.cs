using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.Trainers.FastTree;

namespace MidiGenre.Baselines;

/// <summary>ML.NET's FastTree calls into its native library (libFastTreeNative). The CLI finds it through its
/// deps.json; a notebook kernel that loads MidiGenre.dll with <c>#r</c> does not look in runtimes/&lt;rid&gt;/native,
/// and the boosted trees failed there with "Unable to load shared library 'FastTreeNative'". So the library says where
/// the file is, beside itself, before the first tree is grown.</summary>
static class FastTreeNative
{
    static int _registered;

    public static void Ensure()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
            return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(FastTreeBinaryTrainer).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone registered a resolver for ML.NET already: theirs decides.
        }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != "FastTreeNative")
            return IntPtr.Zero;
        string dir = Path.GetDirectoryName(typeof(FastTreeNative).Assembly.Location)!;
        string file =
            OperatingSystem.IsWindows() ? "FastTreeNative.dll"
            : OperatingSystem.IsMacOS() ? "libFastTreeNative.dylib"
            : "libFastTreeNative.so";
        string os =
            OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : "linux";
        string rid = $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        foreach (var candidate in new[] { Path.Combine(dir, "runtimes", rid, "native", file), Path.Combine(dir, file) })
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                return handle;
        return IntPtr.Zero; // .NET's own probing, then its own error
    }
}

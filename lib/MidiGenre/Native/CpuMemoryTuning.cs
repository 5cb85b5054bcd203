using System.Runtime.InteropServices;

namespace MidiGenre.Native;

/// <summary>
/// Allocator settings that make libtorch's CPU path 1.5-4x faster on this kind of machine (measured with
/// `midigenre bench model`, see environment.md "CPU allocator settings"). A ResNet-50 step on (B, 2, 400, 128) rolls
/// allocates activations of 10-100 MB each; with glibc's defaults every one is a fresh mmap whose pages are faulted in
/// and zeroed 4 KiB at a time, and freed straight back to the kernel — a third of the run was system time. Two changes
/// fix that:
/// <list type="bullet">
/// <item>libtorch's own switch THP_MEM_ALLOC_ENABLE=1: buffers of 2 MB and more are 2 MB-aligned and madvise'd for
/// transparent huge pages (this kernel's THP mode is "madvise", so nothing gets them otherwise).</item>
/// <item>glibc malloc keeps freed memory for reuse: mmap only above 32 MB (the largest threshold glibc allows), trim
/// the heap only when 1 GB is free, grow it 256 MB at a time.</item>
/// </list>
/// Each setting is left alone when the user has set its environment variable (THP_MEM_ALLOC_ENABLE, MALLOC_*_); setting
/// MIDIGENRE_ALLOCATOR=default skips all of them. Must run before libtorch allocates its first buffer.
/// </summary>
public static class CpuMemoryTuning
{
#pragma warning disable IDE1006 // glibc's own names for mallopt(3) parameters, so they can be looked up
    const int M_TRIM_THRESHOLD = -1,
        M_TOP_PAD = -2,
        M_MMAP_THRESHOLD = -3;
#pragma warning restore IDE1006

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr GetEnv(string name);

    /// <summary>A variable as native code (libtorch) sees it, which can differ from .NET's copy of the
    /// environment.</summary>
    public static string? NativeEnvironmentVariable(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    /// <summary>Sets a variable where native code (libtorch, cuBLAS) reads it, unless it is set already.</summary>
    public static void SetNativeEnvironmentVariableIfUnset(string name, string value) => SetEnv(name, value, 0);

    /// <summary>What <see cref="Apply"/> did (in `midigenre bench` output and <see
    /// cref="TorchNative.Report"/>).</summary>
    public static string Summary { get; private set; } = "allocator: not applied";

    /// <summary>Applies the settings once; returns <see cref="Summary"/>.</summary>
    public static string Apply() => Summary = Decide();

    static string Decide()
    {
        if (!OperatingSystem.IsLinux())
            return "allocator: defaults (not Linux)";
        if (Environment.GetEnvironmentVariable("MIDIGENRE_ALLOCATOR") == "default")
            return "allocator: defaults (MIDIGENRE_ALLOCATOR=default)";
        var done = new List<string>();
        try
        {
            // .NET's Environment.SetEnvironmentVariable does not reach the native environment that libtorch reads.
            if (
                Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") == null
                && SetEnv("THP_MEM_ALLOC_ENABLE", "1", 0) == 0
            )
                done.Add("THP_MEM_ALLOC_ENABLE=1");
            Set("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, 32 << 20, done);
            Set("MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, 1 << 30, done);
            Set("MALLOC_TOP_PAD_", M_TOP_PAD, 256 << 20, done);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            done.Add("mallopt unavailable (not glibc)");
        }
        return "allocator: " + (done.Count == 0 ? "as set in the environment" : string.Join(", ", done));
    }

    static void Set(string envName, int param, int value, List<string> done)
    {
        if (Environment.GetEnvironmentVariable(envName) != null)
            return;
        if (MallOpt(param, value) == 1)
            done.Add($"{envName[..^1]}={value >> 20} MB");
    }
}

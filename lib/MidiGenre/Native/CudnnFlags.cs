using System.Runtime.InteropServices;

namespace MidiGenre.Native;

/// <summary>
/// cuDNN's deterministic mode and autotuner, and libtorch's deterministic-algorithms switch — what PyTorch sets with
/// <c>torch.backends.cudnn.deterministic</c>, <c>.benchmark</c> and <c>torch.use_deterministic_algorithms</c>.
/// TorchSharp 0.107 has no setters for them, so they are called on libtorch's own <c>at::Context</c> (exported C++
/// members of libtorch_cpu.so, called through their mangled names). The flags live in libtorch, not in CUDA, so they
/// can be set and read back on a CPU-only machine too; they change results only where cuDNN runs.
/// </summary>
public static unsafe class CudnnFlags
{
    static readonly Lazy<Api> Calls = new(Bind);

    /// <summary>Whether this libtorch exports every member these flags call (a libtorch of another version may
    /// lack one; then the flags read as unknown and setting them does nothing, instead of stopping the run).</summary>
    public static bool Available => Calls.Value.Missing.Count == 0;

    /// <summary>The members this libtorch lacks (empty when <see cref="Available"/>).</summary>
    public static IReadOnlyList<string> Missing => Calls.Value.Missing;

    /// <summary>cuDNN picks deterministic convolution algorithms (null when unknown: see
    /// <see cref="Available"/>).</summary>
    public static bool? Deterministic
    {
        get => Calls.Value.Get(Calls.Value.GetDeterministic);
        set => Calls.Value.Set(Calls.Value.SetDeterministic, value ?? false);
    }

    /// <summary>cuDNN's autotuner (times candidate algorithms, may pick differently from run to run; null when
    /// unknown).</summary>
    public static bool? Benchmark
    {
        get => Calls.Value.Get(Calls.Value.GetBenchmark);
        set => Calls.Value.Set(Calls.Value.SetBenchmark, value ?? false);
    }

    /// <summary>libtorch refuses operations that have no deterministic implementation (null when unknown).</summary>
    public static bool? DeterministicAlgorithms => Calls.Value.Get(Calls.Value.GetAlgorithms);

    /// <summary>Whether <see cref="MakeDeterministic"/> was called in this process.</summary>
    public static bool DeterministicRequested { get; private set; }

    /// <summary>Switches cuDNN's autotuner on for a model placed on CUDA, unless the run asked to be deterministic:
    /// every input is 400 × 128, so timing the candidate convolution algorithms once pays off at once.</summary>
    public static void UseAutotunerUnlessDeterministic()
    {
        if (!DeterministicRequested && Benchmark == false)
            Benchmark = true;
    }

    /// <summary>Everything that makes GPU runs repeatable where libtorch can: cuDNN deterministic, its autotuner off,
    /// deterministic algorithms preferred (warn-only, so an operation without a deterministic CUDA kernel warns
    /// instead of stopping a run; the models' global pooling is a mean, whose backward is deterministic), and
    /// cuBLAS's fixed workspace, which its deterministic mode needs (set in the native environment, where cuBLAS
    /// reads it, before CUDA starts).</summary>
    public static void MakeDeterministic()
    {
        DeterministicRequested = true;
        CpuMemoryTuning.SetNativeEnvironmentVariableIfUnset("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
        Deterministic = true;
        Benchmark = false;
        var api = Calls.Value;
        if (api.Context != null && api.SetAlgorithms != null)
            api.SetAlgorithms(api.Context(), 1, 1);
    }

    sealed class Api
    {
        public delegate* unmanaged<IntPtr> Context;
        public delegate* unmanaged<IntPtr, byte> GetDeterministic,
            GetBenchmark,
            GetAlgorithms;
        public delegate* unmanaged<IntPtr, byte, void> SetDeterministic,
            SetBenchmark;
        public delegate* unmanaged<IntPtr, byte, byte, void> SetAlgorithms;

        public List<string> Missing = [];

        public bool? Get(delegate* unmanaged<IntPtr, byte> getter) =>
            Context == null || getter == null ? null : getter(Context()) != 0;

        public void Set(delegate* unmanaged<IntPtr, byte, void> setter, bool value)
        {
            if (Context != null && setter != null)
                setter(Context(), (byte)(value ? 1 : 0));
        }
    }

    static Api Bind()
    {
        TorchNative.Ensure();
        string dir = TorchNative.LibTorch?.Directory ?? "";
        string path = Path.Combine(dir, "libtorch_cpu.so");
        if (!NativeLibrary.TryLoad(File.Exists(path) ? path : "libtorch_cpu.so", out IntPtr lib))
            return new Api { Missing = ["libtorch_cpu.so"] };
        var missing = new List<string>();
        IntPtr F(string symbol)
        {
            if (NativeLibrary.TryGetExport(lib, symbol, out var address))
                return address;
            missing.Add(symbol);
            return IntPtr.Zero;
        }
        return new Api
        {
            Missing = missing,
            Context = (delegate* unmanaged<IntPtr>)F("_ZN2at13globalContextEv"),
            GetDeterministic = (delegate* unmanaged<IntPtr, byte>)F("_ZNK2at7Context18deterministicCuDNNEv"),
            SetDeterministic = (delegate* unmanaged<IntPtr, byte, void>)F("_ZN2at7Context21setDeterministicCuDNNEb"),
            GetBenchmark = (delegate* unmanaged<IntPtr, byte>)F("_ZNK2at7Context14benchmarkCuDNNEv"),
            SetBenchmark = (delegate* unmanaged<IntPtr, byte, void>)F("_ZN2at7Context17setBenchmarkCuDNNEb"),
            GetAlgorithms = (delegate* unmanaged<IntPtr, byte>)F("_ZNK2at7Context23deterministicAlgorithmsEv"),
            SetAlgorithms = (delegate* unmanaged<IntPtr, byte, byte, void>)F(
                "_ZN2at7Context26setDeterministicAlgorithmsEbb"
            ),
        };
    }
}

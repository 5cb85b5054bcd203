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

    /// <summary>cuDNN picks deterministic convolution algorithms.</summary>
    public static bool Deterministic
    {
        get => Calls.Value.Get(Calls.Value.GetDeterministic);
        set => Calls.Value.Set(Calls.Value.SetDeterministic, value);
    }

    /// <summary>cuDNN's autotuner (times candidate algorithms, may pick differently from run to run).</summary>
    public static bool Benchmark
    {
        get => Calls.Value.Get(Calls.Value.GetBenchmark);
        set => Calls.Value.Set(Calls.Value.SetBenchmark, value);
    }

    /// <summary>libtorch refuses operations that have no deterministic implementation.</summary>
    public static bool DeterministicAlgorithms => Calls.Value.Get(Calls.Value.GetAlgorithms);

    /// <summary>Everything that makes GPU runs repeatable where libtorch can: cuDNN deterministic, its autotuner off,
    /// deterministic algorithms preferred (warn-only: ResNet's adaptive-pooling backward has no deterministic CUDA
    /// kernel, and refusing it would make training impossible), and cuBLAS's fixed workspace, which its deterministic
    /// mode needs (set in the native environment, where cuBLAS reads it, before CUDA starts).</summary>
    public static void MakeDeterministic()
    {
        CpuMemoryTuning.SetNativeEnvironmentVariableIfUnset("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
        Deterministic = true;
        Benchmark = false;
        var api = Calls.Value;
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

        public bool Get(delegate* unmanaged<IntPtr, byte> getter) => getter(Context()) != 0;

        public void Set(delegate* unmanaged<IntPtr, byte, void> setter, bool value) =>
            setter(Context(), (byte)(value ? 1 : 0));
    }

    static Api Bind()
    {
        TorchNative.Ensure();
        string dir = TorchNative.LibTorch?.Directory ?? "";
        string path = Path.Combine(dir, "libtorch_cpu.so");
        IntPtr lib = File.Exists(path) ? NativeLibrary.Load(path) : NativeLibrary.Load("libtorch_cpu.so");
        IntPtr F(string symbol) => NativeLibrary.GetExport(lib, symbol);
        return new Api
        {
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

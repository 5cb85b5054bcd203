using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>
/// Runs a model in bfloat16 while callers keep float32: inputs are cast on the way in, logits on the way out, and
/// gradients flow back through both casts, so attacks still perturb float32 rolls. Whether it is faster depends on the
/// CPU: on this project's 2-core machine (AVX-512 BF16 reported) a bf16 matrix product peaks at half the float32 rate,
/// and bf16 was 1.2x faster only for batch-32 ResNet-50 evaluation, slower at batch 8 and for PGD (README "Results";
/// `bench model --bf16` measures it). bf16 keeps 8 significant bits: raw velocities 64-127 are held to 0.5,
/// finer than the integer velocities MIDI can express. For evaluation and attacks only; training stays in float32.
/// </summary>
public sealed class Bf16Inference : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> inner;

    /// <summary>Converts <paramref name="model"/> itself to bfloat16 (no copy) and wraps it.</summary>
    public Bf16Inference(nn.Module<Tensor, Tensor> model)
        : base("bf16")
    {
        inner = model;
        inner.to(ScalarType.BFloat16);
        register_module("inner", inner);
    }

    public override Tensor forward(Tensor x) => inner.forward(x.to(ScalarType.BFloat16)).to(ScalarType.Float32);

    /// <summary>Whether this CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX); elsewhere bf16 is emulated and
    /// slower.</summary>
    public static bool CpuHasNativeBf16()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags")) is string flags
                && flags.Split(' ').Any(f => f is "avx512_bf16" or "amx_bf16");
        }
        catch (IOException)
        {
            return false;
        }
    }
}

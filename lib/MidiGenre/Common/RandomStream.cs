using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Common;

/// <summary>
/// The one way the library draws random tensors. Every draw comes from a CPU generator this stream owns, seeded from
/// (seed, purpose, parts…) by <see cref="Seeds.Derive64"/>, and is then moved to the device the caller asks for. Why
/// not a generator on the device: TorchSharp 0.107 always makes a CPU generator whatever device it is given
/// (<c>THSGenerator_new</c>), libtorch refuses it for a CUDA draw, and TorchSharp's native <c>rand</c> then returns
/// garbage instead of an error (a SIGSEGV on the next operation; <c>randn</c> throws). Drawing on the CPU avoids that
/// bug and gives the same numbers on every device. Parts name the draw: (epoch, batch, replay) in training, the batch
/// number in an evaluation sweep, so random starts differ per batch and epoch and stay reproducible.
/// </summary>
public sealed class RandomStream : IDisposable
{
    readonly Generator _cpu;

    /// <summary>The stream's 64-bit seed (derived; two purposes or parts never share one by design).</summary>
    public ulong Seed { get; }

    RandomStream(ulong seed)
    {
        Seed = seed;
        _cpu = new Generator(seed, CPU);
    }

    /// <summary>The stream of (<paramref name="seed"/>, <paramref name="purpose"/>,
    /// <paramref name="parts"/>).</summary>
    public static RandomStream Of(long seed, string purpose, params ReadOnlySpan<long> parts) =>
        new(Seeds.Derive64(seed, purpose, parts));

    /// <summary>U[0, 1) of <paramref name="shape"/> on <paramref name="device"/> (float32).</summary>
    public Tensor Uniform(long[] shape, Device device) => OnDevice(rand(shape, generator: _cpu), device);

    /// <summary>N(0, 1) of <paramref name="shape"/> on <paramref name="device"/> (float32).</summary>
    public Tensor Normal(long[] shape, Device device) => OnDevice(randn(shape, generator: _cpu), device);

    /// <summary>A managed generator on the same stream, for draws made in .NET code (which pitch, which
    /// column).</summary>
    public Random Managed() => new StableRandom(Seeds.Mix(Seed ^ 0x6D616E61676564UL));

    static Tensor OnDevice(Tensor cpu, Device device)
    {
        if (device.type == DeviceType.CPU)
            return cpu;
        var moved = cpu.to(device);
        cpu.Dispose();
        return moved;
    }

    public void Dispose() => _cpu.Dispose();
}

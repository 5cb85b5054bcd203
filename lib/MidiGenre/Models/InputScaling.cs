using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>
/// Maps raw rolls into the network's range inside the model: onsets stay 0/1, velocities 0…127 become 0…1. Data,
/// attacks and ε all live in raw-roll space; ε "in normalised velocity" is simply ε × 127 raw units on the frame
/// channel. The scale is a non-persistent buffer, so state dicts stay torchvision-compatible.
/// </summary>
public sealed class InputScaling : nn.Module<Tensor, Tensor>
{
    public const float VelocityMax = 127f;
    Tensor scale;

    public InputScaling(int inChannels)
        : base("input_scaling")
    {
        var s =
            inChannels == 2
                ? new float[] { 1f, 1f / VelocityMax }
                : Enumerable.Repeat(1f / VelocityMax, inChannels).ToArray();
        scale = tensor(s).reshape(1, inChannels, 1, 1).DetachFromDisposeScope();
        register_buffer("scale", scale, persistent: false);
    }

    /// <summary>One normalised unit per channel in raw roll values, [1, 127] for (onset, frame) and 127 for a
    /// velocity-only roll, shaped (1, C, 1, 1) on <paramref name="device"/>. Built there from scalars, not copied from
    /// a host array: attacks call it every step, and a copy from pageable host memory would wait for the GPU.</summary>
    public static Tensor RawUnit(long channels, Device device) =>
        channels == 2
            ? arange(0, 2, ScalarType.Float32, device).mul_(VelocityMax - 1).add_(1).reshape(1, 2, 1, 1)
            : full(new long[] { 1, channels, 1, 1 }, VelocityMax, device: device);

    /// <summary>The scale the forward multiplies by (its dtype and device are the model's).</summary>
    public Tensor Scale => scale;

    // The forward uses the scale as it is: converting it there would copy it from host memory on every call, a
    // synchronisation of the CUDA stream per forward. A model moved with Module.to moves it too (below); an input of
    // another dtype or device than the model's fails in the multiplication instead of being silently converted.
    public override Tensor forward(Tensor x) => x * scale;

    // TorchSharp 0.107's Module.to moves only the buffers named_buffers(include_nonpersistent: false) lists, i.e.
    // never a non-persistent one: this one follows its module here, once per move.
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        var moved = scale
            .to(dtype ?? scale.dtype, device ?? scale.device, non_blocking: non_blocking)
            .DetachFromDisposeScope(); // owned by the module, like the buffer it replaces
        scale.Dispose();
        scale = moved;
        ConditionallyRegisterBuffer("scale", scale, persistent: false);
    }
}

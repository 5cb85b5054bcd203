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
    readonly Tensor scale;

    public InputScaling(int inChannels)
        : base("input_scaling")
    {
        var s =
            inChannels == 2
                ? new float[] { 1f, 1f / VelocityMax }
                : Enumerable.Repeat(1f / VelocityMax, inChannels).ToArray();
        scale = tensor(s).reshape(1, inChannels, 1, 1);
        register_buffer("scale", scale, persistent: false);
    }

    // TorchSharp 0.107's Module.to(dtype) leaves non-persistent buffers as they were (a bfloat16 model kept a float32
    // scale, which promoted its input back to float32), so the scale follows the input here; a no-op when they match.
    public override Tensor forward(Tensor x) =>
        x
        * (
            scale.dtype == x.dtype && scale.device_type == x.device_type && scale.device_index == x.device_index
                ? scale
                : scale.to(x.dtype, x.device)
        );
}

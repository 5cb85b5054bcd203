using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MidiGenre.Models;

/// <summary>
/// A 1×1 convolution with stride s, computed as "take every s-th row and column, then a 1×1 convolution" — the same
/// function with the same <c>weight</c> (so state dicts still read <c>downsample.0.weight</c>). Why: libtorch 2.10's
/// CPU backward of the direct form raises SIGFPE for ResNet-50's layer3 shortcut (512→1024 channels on a 50×16 map) on
/// this machine's Zen 4 CPU; the subsampled form avoids that kernel.
/// </summary>
public sealed class StridedPointwiseConv : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly long stride;

    /// <summary>Output channels and stride, for <see cref="NetworkSummary"/>.</summary>
    public long OutChannels => weight.shape[0];
    public long Stride => stride;

    public StridedPointwiseConv(long inChannels, long outChannels, long stride)
        : base("strided_pointwise_conv")
    {
        this.stride = stride;
        weight = Parameter(empty(outChannels, inChannels, 1, 1));
        init.kaiming_normal_(weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var sub =
            stride == 1
                ? x
                : x[
                    TensorIndex.Colon,
                    TensorIndex.Colon,
                    TensorIndex.Slice(step: stride),
                    TensorIndex.Slice(step: stride)
                ];
        return functional.conv2d(sub, weight);
    }
}

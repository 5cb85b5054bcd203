using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>
/// Global average pooling, (N, C, H, W) → (N, C, 1, 1): torchvision's <c>AdaptiveAvgPool2d((1, 1))</c> as a mean
/// over time and pitch. Same values, but a mean's backward is deterministic on CUDA, while adaptive pooling's has no
/// deterministic kernel: under <c>--deterministic</c> libtorch would print a warning for every backward pass.
/// </summary>
public sealed class GlobalAveragePool() : nn.Module<Tensor, Tensor>("global_average_pool")
{
    public override Tensor forward(Tensor x) => x.mean([2, 3], keepdim: true);
}

using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>Builds a classifier by name: resnet18/34/50/101/152 or convnet.</summary>
public static class ModelFactory
{
    public static readonly IReadOnlyList<string> Architectures =
    [
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "convnet",
    ];

    public static nn.Module<Tensor, Tensor> Create(
        string arch,
        int inChannels,
        int numClasses,
        bool zeroInitResidual = false
    ) =>
        arch switch
        {
            "resnet18" => new ResNet(arch, false, [2, 2, 2, 2], inChannels, numClasses, zeroInitResidual),
            "resnet34" => new ResNet(arch, false, [3, 4, 6, 3], inChannels, numClasses, zeroInitResidual),
            "resnet50" => new ResNet(arch, true, [3, 4, 6, 3], inChannels, numClasses, zeroInitResidual),
            "resnet101" => new ResNet(arch, true, [3, 4, 23, 3], inChannels, numClasses, zeroInitResidual),
            "resnet152" => new ResNet(arch, true, [3, 8, 36, 3], inChannels, numClasses, zeroInitResidual),
            "convnet" => new ConvNet(inChannels, numClasses),
            _ => throw new ArgumentException(
                $"unknown architecture '{arch}'; choose one of {string.Join(", ", Architectures)}"
            ),
        };

    public static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>CUDA when available, else CPU.</summary>
    public static Device DefaultDevice() => cuda.is_available() ? CUDA : CPU;
}

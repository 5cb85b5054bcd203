using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MidiGenre.Models;

/// <summary>A small plain ConvNet baseline: a strided 5×5 stem, then three conv3×3-BN-ReLU-maxpool stages (64…256
/// channels), global average pool, linear. About 0.4 GFLOP per 400×128 segment, a twentieth of ResNet-50.</summary>
public sealed class ConvNet : Module<Tensor, Tensor>
{
    readonly InputScaling scale;
    readonly Sequential features;
    readonly Linear fc;

    public ConvNet(int inChannels, int numClasses, int width = 32)
        : base("convnet")
    {
        scale = new InputScaling(inChannels);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int c = inChannels;
        for (int i = 0; i < 4; i++)
        {
            int w = width << i;
            layers.Add(
                (
                    $"conv{i}",
                    i == 0
                        ? Conv2d(c, w, 5, stride: 2, padding: 2, bias: false)
                        : Conv2d(c, w, 3, padding: 1, bias: false)
                )
            );
            layers.Add(($"bn{i}", BatchNorm2d(w)));
            layers.Add(($"relu{i}", ReLU(inplace: true)));
            layers.Add(($"pool{i}", MaxPool2d(2)));
            c = w;
        }
        layers.Add(("gap", new GlobalAveragePool()));
        features = Sequential(layers);
        fc = Linear(c, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc.forward(features.forward(scale.forward(x)).flatten(1));
}

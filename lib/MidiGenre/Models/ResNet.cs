using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MidiGenre.Models;

/// <summary>
/// torchvision's ResNet, ported with the same module names (conv1, bn1, layer1…layer4, fc, downsample.0/1), so
/// state dicts map one to one onto PyTorch's. Differences: configurable input channels (2 = onset + frame, 1 = frame
/// only) and the input scaling in front (see <see cref="InputScaling"/>).
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    readonly InputScaling scale;
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly ReLU relu;
    readonly MaxPool2d maxpool;
    readonly Sequential layer1,
        layer2,
        layer3,
        layer4;
    readonly GlobalAveragePool avgpool;
    readonly Linear fc;

    public ResNet(
        string name,
        bool bottleneck,
        int[] layers,
        int inChannels,
        int numClasses,
        bool zeroInitResidual = false
    )
        : base(name)
    {
        // Long by design: torchvision's ResNet constructor step by step, so the module names match its state dict.
        int expansion = bottleneck ? 4 : 1;
        int inplanes = 64;
        scale = new InputScaling(inChannels);
        conv1 = Conv2d(inChannels, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        relu = ReLU(inplace: true);
        maxpool = MaxPool2d(kernel_size: 3, stride: 2, padding: 1);
        Sequential MakeLayer(int planes, int blocks, int stride)
        {
            var modules = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < blocks; i++)
            {
                Module<Tensor, Tensor>? downsample = null;
                if (i == 0 && (stride != 1 || inplanes != planes * expansion))
                    downsample = Sequential(
                        new StridedPointwiseConv(inplanes, planes * expansion, stride),
                        BatchNorm2d(planes * expansion)
                    );
                modules.Add(
                    (
                        i.ToString(),
                        bottleneck
                            ? new Bottleneck($"b{i}", inplanes, planes, i == 0 ? stride : 1, downsample)
                            : new BasicBlock($"b{i}", inplanes, planes, i == 0 ? stride : 1, downsample)
                    )
                );
                inplanes = planes * expansion;
            }
            return Sequential(modules);
        }
        layer1 = MakeLayer(64, layers[0], 1);
        layer2 = MakeLayer(128, layers[1], 2);
        layer3 = MakeLayer(256, layers[2], 2);
        layer4 = MakeLayer(512, layers[3], 2);
        avgpool = new GlobalAveragePool();
        fc = Linear(512 * expansion, numClasses);
        RegisterComponents();

        // torchvision's initialisation: Kaiming normal (fan_out) for convs, BN weight 1 / bias 0.
        foreach (var (_, m) in named_modules())
        {
            if (m is Conv2d c)
                init.kaiming_normal_(c.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            else if (m is BatchNorm2d b)
            {
                init.constant_(b.weight, 1);
                init.constant_(b.bias, 0);
            }
        }
        if (zeroInitResidual)
            foreach (var (_, m) in named_modules())
            {
                if (m is Bottleneck bb)
                    init.zeros_(bb.LastBn.weight);
                else if (m is BasicBlock b)
                    init.zeros_(b.LastBn.weight);
            }
    }

    public override Tensor forward(Tensor x)
    {
        x = scale.forward(x);
        x = maxpool.forward(relu.forward(bn1.forward(conv1.forward(x))));
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        return fc.forward(avgpool.forward(x).flatten(1));
    }
}

/// <summary>Two 3×3 convolutions (ResNet-18/34).</summary>
sealed class BasicBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv1,
        conv2;
    readonly BatchNorm2d bn1,
        bn2;
    readonly ReLU relu;
    readonly Module<Tensor, Tensor>? downsample;
    public BatchNorm2d LastBn => bn2;

    public BasicBlock(string name, int inplanes, int planes, int stride, Module<Tensor, Tensor>? downsample)
        : base(name)
    {
        conv1 = Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        relu = ReLU(inplace: true);
        conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = downsample?.forward(x) ?? x;
        var y = relu.forward(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        return relu.forward(y.add_(identity));
    }
}

/// <summary>1×1 → 3×3 (stride here, as torchvision's "ResNet v1.5") → 1×1 with 4× expansion
/// (ResNet-50/101/152).</summary>
sealed class Bottleneck : Module<Tensor, Tensor>
{
    readonly Conv2d conv1,
        conv2,
        conv3;
    readonly BatchNorm2d bn1,
        bn2,
        bn3;
    readonly ReLU relu;
    readonly Module<Tensor, Tensor>? downsample;
    public BatchNorm2d LastBn => bn3;

    public Bottleneck(string name, int inplanes, int planes, int stride, Module<Tensor, Tensor>? downsample)
        : base(name)
    {
        conv1 = Conv2d(inplanes, planes, 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        conv3 = Conv2d(planes, planes * 4, 1, bias: false);
        bn3 = BatchNorm2d(planes * 4);
        relu = ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = downsample?.forward(x) ?? x;
        var y = relu.forward(bn1.forward(conv1.forward(x)));
        y = relu.forward(bn2.forward(conv2.forward(y)));
        y = bn3.forward(conv3.forward(y));
        return relu.forward(y.add_(identity));
    }
}

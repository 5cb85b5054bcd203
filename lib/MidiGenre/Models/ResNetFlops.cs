namespace MidiGenre.Models;

/// <summary>
/// Floating-point operations of one forward pass of the ResNets in <see cref="ModelFactory"/> (torchvision's v1.5
/// layout), counted layer by layer: 2 × multiply-accumulates of every convolution and the classifier (batch norm,
/// ReLU and pooling are left out: under 1 %). Used to put measured speeds beside the CPU's peak.
/// </summary>
public static class ResNetFlops
{
    public static double? Forward(string arch, int inChannels, int classes, int frames = 400, int pitches = 128)
    {
        (bool bottleneck, int[] blocks)? config = arch switch
        {
            "resnet18" => (false, [2, 2, 2, 2]),
            "resnet34" => (false, [3, 4, 6, 3]),
            "resnet50" => (true, [3, 4, 6, 3]),
            "resnet101" => (true, [3, 4, 23, 3]),
            "resnet152" => (true, [3, 8, 36, 3]),
            _ => null,
        };
        if (config is not var (bottleneck, blocks))
            return null;
        static int Out(int n, int k, int s, int p) => (n + 2 * p - k) / s + 1;
        int h = Out(frames, 7, 2, 3),
            w = Out(pitches, 7, 2, 3);
        double macs = inChannels * 64 * 49.0 * h * w;
        (h, w) = (Out(h, 3, 2, 1), Out(w, 3, 2, 1));
        int inplanes = 64,
            expansion = bottleneck ? 4 : 1;
        for (int layer = 0; layer < 4; layer++)
        {
            int planes = 64 << layer;
            for (int b = 0; b < blocks[layer]; b++)
            {
                int stride = b == 0 && layer > 0 ? 2 : 1;
                int h2 = Out(h, 3, stride, 1),
                    w2 = Out(w, 3, stride, 1);
                macs += bottleneck
                    ? inplanes * planes * (double)h * w
                        + planes * planes * 9.0 * h2 * w2
                        + planes * planes * expansion * (double)h2 * w2
                    : inplanes * planes * 9.0 * h2 * w2 + planes * planes * 9.0 * h2 * w2;
                if (b == 0 && (stride != 1 || inplanes != planes * expansion))
                    macs += inplanes * planes * expansion * (double)h2 * w2; // the downsampling shortcut
                (h, w, inplanes) = (h2, w2, planes * expansion);
            }
        }
        return 2 * (macs + inplanes * (double)classes);
    }
}

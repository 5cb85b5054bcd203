using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>One layer of a network as a class would read it: what it is, its kernel and stride over time × pitch,
/// the shape it outputs for one segment, its parameters, and the receptive field of one of its output cells — how
/// many time bins and pitches of the input can influence it.</summary>
public sealed record LayerRow(
    string Name,
    string Kind,
    string Kernel,
    string Stride,
    string Output,
    long Parameters,
    long ReceptiveTime,
    long ReceptivePitch
);

/// <summary>
/// The layers of a model in the order they run (depth first over its children), for a (channels, 400, 128) segment.
/// Output shapes and receptive fields are computed from each convolution's and pooling's kernel, stride, padding and
/// dilation (r ← r + (k − 1)·d·j, j ← j·s per axis) along the main path; a ResNet's shortcut convolutions
/// (<c>downsample</c>) are listed but do not widen it. Batch norm, activations and the like are left out of the rows
/// (their parameters are counted in the total).
/// </summary>
public static class NetworkSummary
{
    public static IReadOnlyList<LayerRow> Of(nn.Module model, long channels, long frames = 400, long pitches = 128)
    {
        var rows = new List<LayerRow>();
        long c = channels,
            h = frames,
            w = pitches;
        long rt = 1,
            rp = 1,
            jt = 1,
            jp = 1; // receptive field and the input distance between neighbouring cells, time and pitch
        foreach (var (name, module) in DepthFirst(model, ""))
        {
            bool shortcut = name.Contains("downsample", StringComparison.Ordinal);
            switch (module)
            {
                case Conv2d conv:
                {
                    var (k, s, p, d) = (conv.kernel_size, conv.stride, conv.padding ?? [0, 0], conv.dilation);
                    if (shortcut)
                    {
                        rows.Add(Row(name, "shortcut convolution", k, s, conv.out_channels, h, w, conv, rt, rp));
                        break;
                    }
                    (h, w) = (Out(h, k[0], s[0], p[0], d[0]), Out(w, k[1], s[1], p[1], d[1]));
                    (rt, rp) = (rt + (k[0] - 1) * d[0] * jt, rp + (k[1] - 1) * d[1] * jp);
                    (jt, jp, c) = (jt * s[0], jp * s[1], conv.out_channels);
                    rows.Add(Row(name, "convolution", k, s, c, h, w, conv, rt, rp));
                    break;
                }
                case StridedPointwiseConv pointwise: // a ResNet shortcut: beside the main path, not on it
                    rows.Add(
                        Row(
                            name,
                            "shortcut convolution",
                            [1, 1],
                            [pointwise.Stride, pointwise.Stride],
                            pointwise.OutChannels,
                            h,
                            w,
                            pointwise,
                            rt,
                            rp
                        )
                    );
                    break;
                case MaxPool2d pool:
                {
                    var (k, s, p) = (pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? [0, 0]);
                    (h, w) = (Out(h, k[0], s[0], p[0], 1), Out(w, k[1], s[1], p[1], 1));
                    (rt, rp) = (rt + (k[0] - 1) * jt, rp + (k[1] - 1) * jp);
                    (jt, jp) = (jt * s[0], jp * s[1]);
                    rows.Add(Row(name, "max pooling", k, s, c, h, w, pool, rt, rp));
                    break;
                }
                case GlobalAveragePool:
                    (h, w) = (1, 1);
                    rows.Add(new(name, "global average pooling", "all", "—", $"{c} × 1 × 1", 0, rt, rp));
                    break;
                case Linear fc:
                    rows.Add(new(name, "fully connected", "—", "—", $"{fc.out_features}", Count(fc), rt, rp));
                    break;
            }
        }
        return rows;
    }

    static LayerRow Row(
        string name,
        string kind,
        long[] k,
        long[] s,
        long c,
        long h,
        long w,
        nn.Module m,
        long rt,
        long rp
    ) => new(name, kind, $"{k[0]} × {k[1]}", $"{s[0]} × {s[1]}", $"{c} × {h} × {w}", Count(m), rt, rp);

    static long Out(long size, long k, long s, long p, long d) => (size + 2 * p - d * (k - 1) - 1) / s + 1;

    static long Count(nn.Module m) => m.parameters(recurse: false).Sum(p => p.numel());

    /// <summary>Modules in the order a forward pass meets them (registration order, depth first).</summary>
    static IEnumerable<(string Name, nn.Module Module)> DepthFirst(nn.Module m, string prefix)
    {
        foreach (var (name, child) in m.named_children())
        {
            string full = prefix.Length == 0 ? name : $"{prefix}.{name}";
            yield return (full, child);
            foreach (var inner in DepthFirst(child, full))
                yield return inner;
        }
    }
}

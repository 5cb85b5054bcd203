using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Evaluation;

/// <summary>Where the network looked: |∂ logit of the predicted class / ∂ input| per cell of one segment (summed over
/// the channels, in normalised units), with the segment's roll and what the model said about it.</summary>
public sealed record SaliencyMap(PianoRoll Roll, double[][] Map, string Truth, string Predicted, double Confidence)
{
    /// <summary>Map[pitch][time].</summary>
    public int Frames => Roll.Frames;
}

/// <summary>Saliency per class and pitch: for the segments of each class the model classifies correctly, the mean
/// |∂ logit of that class / ∂ input| over time, channels and segments, per pitch (normalised units);
/// <see cref="NoteRange"/> is the lowest and highest pitch any of the segments sounds.</summary>
public sealed record ClassSaliency(
    IReadOnlyList<string> Classes,
    double[][] ByPitch,
    int[] Segments,
    (int Low, int High) NoteRange
);

/// <summary>Vanilla gradient saliency (Simonyan et al., 2014) on the centred evaluation crop of a segment.</summary>
public static class Saliency
{
    /// <summary>Where the network listens, per class: <see cref="ClassSaliency"/> over every correctly classified
    /// segment of <paramref name="data"/>, a batch at a time (in eval mode each segment's gradient is its
    /// own).</summary>
    public static ClassSaliency ByClass(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes
    )
    {
        model.eval();
        var device = ModelDevice.Of(model);
        using var sums = zeros([classes.Count, PianoRoll.Pitches], ScalarType.Float64, device);
        using var counts = zeros([classes.Count], ScalarType.Float64, device);
        using var sounding = zeros([PianoRoll.Pitches], ScalarType.Float64, device);
        foreach (var batch in data.Batches(16, Augmentation.Eval, device: device))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var x = batch.X.detach().requires_grad_(true);
            var logits = model.forward(x);
            var predicted = logits.argmax(1);
            var right = predicted.eq(batch.Y).to_type(ScalarType.Float64);
            var chosen = logits.gather(1, predicted.unsqueeze(1)).sum();
            var grad = autograd.grad([chosen], [x])[0];
            var scale = UnitScale(x);
            var perPitch = (grad * scale).abs().sum(1).mean([1L]).to_type(ScalarType.Float64); // (B, 128)
            var oneHot = nn.functional.one_hot(batch.Y, classes.Count).to_type(ScalarType.Float64) * right.unsqueeze(1);
            sums.add_(oneHot.t().matmul(perPitch));
            counts.add_(oneHot.sum([0L]));
            sounding.add_(x.detach().select(1, x.shape[1] - 1).gt(0).to_type(ScalarType.Float64).sum([0L, 1L]));
        }
        var n = counts.cpu().data<double>().ToArray();
        var total = sums.cpu().data<double>().ToArray();
        var byPitch = Enumerable
            .Range(0, classes.Count)
            .Select(c =>
                Enumerable
                    .Range(0, PianoRoll.Pitches)
                    .Select(p => n[c] > 0 ? total[c * PianoRoll.Pitches + p] / n[c] : double.NaN)
                    .ToArray()
            )
            .ToArray();
        var used = sounding.cpu().data<double>().ToArray();
        int low = Array.FindIndex(used, v => v > 0),
            high = Array.FindLastIndex(used, v => v > 0);
        return new ClassSaliency(classes, byPitch, [.. n.Select(v => (int)v)], low < 0 ? (48, 72) : (low, high));
    }

    public static SaliencyMap For(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        int segment,
        IReadOnlyList<string> classes
    )
    {
        model.eval();
        using var scope = NewDisposeScope();
        var device = ModelDevice.Of(model);
        var batch = data.Batches(1, Augmentation.Eval, prefetch: 0).Skip(segment).First().MoveTo(device);
        using var owned = batch;
        var scale = UnitScale(batch.X);
        var x = batch.X.detach().requires_grad_(true);
        var logits = model.forward(x);
        int predicted = (int)logits.argmax(1).item<long>();
        double confidence = nn.functional.softmax(logits, 1)[0, predicted].item<float>();
        var grad = autograd.grad([logits[0, predicted]], [x])[0];
        var map = (grad * scale).abs().sum(1)[0]; // (T, 128) in normalised units
        int frames = (int)map.shape[0];
        var flat = map.cpu().data<float>().ToArray();
        var byPitch = Enumerable
            .Range(0, PianoRoll.Pitches)
            .Select(p => Enumerable.Range(0, frames).Select(t => (double)flat[t * PianoRoll.Pitches + p]).ToArray())
            .ToArray();
        var roll = RollOf(batch.X, frames);
        return new SaliencyMap(roll, byPitch, classes[(int)batch.Y[0].item<long>()], classes[predicted], confidence);
    }

    /// <summary>The first segment the model gets right and the first it gets wrong (-1 when there is none).</summary>
    public static (int Right, int Wrong) Examples(SegmentPredictions predictions)
    {
        var data = predictions.Data;
        int Truth(int k) => data.Pieces[data.Segments[k].Piece].Label;
        var all = Enumerable.Range(0, data.Count).ToList();
        return (
            all.FirstOrDefault(k => predictions.Predicted(k) == Truth(k), -1),
            all.FirstOrDefault(k => predictions.Predicted(k) != Truth(k), -1)
        );
    }

    /// <summary>One normalised unit per channel in raw values (onset 1, velocity 127): gradients times this are per
    /// normalised unit, as the model sees its input.</summary>
    static Tensor UnitScale(Tensor x) => InputScaling.RawUnit(x.shape[1], x.device);

    /// <summary>The (raw, valid) roll of a one-segment batch.</summary>
    static PianoRoll RollOf(Tensor x, int frames)
    {
        var data = x.cpu().data<float>().ToArray();
        var roll = new PianoRoll(frames);
        int per = frames * PianoRoll.Pitches;
        int frameOffset = (int)(x.shape[1] - 1) * per;
        for (int i = 0; i < per; i++)
        {
            roll.Data[per + i] = (byte)Math.Clamp(data[frameOffset + i], 0, 127);
            if (x.shape[1] == 2)
                roll.Data[i] = (byte)Math.Clamp(data[i], 0, 1);
        }
        return roll;
    }
}

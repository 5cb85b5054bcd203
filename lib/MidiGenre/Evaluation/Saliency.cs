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

/// <summary>Vanilla gradient saliency (Simonyan et al., 2014) on the centred evaluation crop of a segment.</summary>
public static class Saliency
{
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
        var scale =
            batch.X.shape[1] == 2
                ? tensor(new float[] { 1f, 127f }, device: device).reshape(1, 2, 1, 1)
                : full(new long[] { 1, 1, 1, 1 }, 127f, device: device);
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

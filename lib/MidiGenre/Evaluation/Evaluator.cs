using MidiGenre.Data;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Evaluation;

/// <summary>Softmax outputs for every segment of a dataset.</summary>
public sealed record SegmentPredictions(SegmentDataset Data, float[][] Probabilities)
{
    public int Predicted(int k) => ArgMax(Probabilities[k]);

    /// <summary>Mean cross-entropy of the true class over the segments (nats): the loss training minimises, here on
    /// data it did not train on.</summary>
    public double MeanCrossEntropy() =>
        Probabilities.Length == 0
            ? double.NaN
            : Enumerable
                .Range(0, Probabilities.Length)
                .Average(k => -Math.Log(Math.Max(Probabilities[k][Data.Pieces[Data.Segments[k].Piece].Label], 1e-12)));

    /// <summary>The most probable class (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++)
            if (p[c] > p[best])
                best = c;
        return best;
    }
}

/// <summary>Segment- and performance-level results with the paper's majority vote.</summary>
public sealed record EvaluationResult(
    ClassificationMetrics Segment,
    ClassificationMetrics Performance,
    IReadOnlyList<PerformancePrediction> Performances
);

public sealed record PerformancePrediction(
    string Id,
    string Title,
    int Truth,
    int Predicted,
    double Confidence,
    int Votes,
    int Segments
);

public static class Evaluator
{
    /// <summary>Inference batch size: 32 on a GPU; 8 on CPU, where ResNet-50 ran ~1.7× more segments/s at batch 8 than
    /// at 32 on the 2-core development machine even with the allocator tuned (`bench model`: eval_b8 vs
    /// eval).</summary>
    public static int InferenceBatch(Device? device) => device?.type == DeviceType.CUDA ? 32 : 8;

    /// <summary>Runs the model (eval mode, no grad, centred crops) over every segment, on the model's device, after
    /// <paramref name="transform"/> of each batch if given (e.g. realisation through MIDI).</summary>
    public static SegmentPredictions Predict(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        int batchSize = 0,
        Action<int>? progress = null,
        Func<Tensor, Tensor>? transform = null
    )
    {
        model.eval();
        var device = ModelDevice.Of(model);
        if (batchSize <= 0)
            batchSize = InferenceBatch(device);
        var probs = new float[data.Count][];
        using var _ = no_grad();
        foreach (var batch in data.Batches(batchSize, Augmentation.Eval, device: device))
        {
            using var owned = batch;
            var (x, _, idx) = batch;
            using var scope = NewDisposeScope();
            var p = nn.functional.softmax(model.forward(transform == null ? x : transform(x)), 1).cpu();
            int classes = (int)p.shape[1];
            var flat = p.data<float>().ToArray();
            for (int i = 0; i < idx.Length; i++)
                probs[idx[i]] = flat.AsSpan(i * classes, classes).ToArray();
            progress?.Invoke(idx.Length);
        }
        return new SegmentPredictions(data, probs);
    }

    /// <summary>The paper's majority vote over one piece's segments: votes per class (each segment votes for its most
    /// probable class) and the mean softmax per class; the winner has the most votes, ties going to the higher
    /// mean.</summary>
    public static (int Winner, int[] Votes, double[] Mean) Vote(
        IReadOnlyList<float[]> segmentProbabilities,
        int classes
    )
    {
        var votes = new int[classes];
        var mean = new double[classes];
        foreach (var p in segmentProbabilities)
        {
            votes[SegmentPredictions.ArgMax(p)]++;
            for (int c = 0; c < classes; c++)
                mean[c] += p[c] / segmentProbabilities.Count;
        }
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (votes[c] > votes[best] || (votes[c] == votes[best] && mean[c] > mean[best]))
                best = c;
        return (best, votes, mean);
    }

    /// <summary>Segment metrics, and piece metrics by <see cref="Vote"/> over each piece's segments.</summary>
    public static EvaluationResult Score(SegmentPredictions preds, IReadOnlyList<string> classes)
    {
        var data = preds.Data;
        var segment = ClassificationMetrics.From(
            classes,
            Enumerable.Range(0, data.Count).Select(k => (data.Pieces[data.Segments[k].Piece].Label, preds.Predicted(k)))
        );
        var pieces = new List<PerformancePrediction>();
        foreach (var group in Enumerable.Range(0, data.Count).GroupBy(k => data.Segments[k].Piece))
        {
            var members = group.Select(k => preds.Probabilities[k]).ToList();
            var (best, votes, mean) = Vote(members, classes.Count);
            var piece = data.Pieces[group.Key];
            pieces.Add(
                new PerformancePrediction(
                    piece.Id,
                    piece.Title,
                    piece.Label,
                    best,
                    mean[best],
                    votes[best],
                    members.Count
                )
            );
        }
        var pieceMetrics = ClassificationMetrics.From(classes, pieces.Select(p => (p.Truth, p.Predicted)));
        return new EvaluationResult(segment, pieceMetrics, pieces);
    }

    public static EvaluationResult Evaluate(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        int batchSize = 0,
        Action<int>? progress = null
    ) => Score(Predict(model, data, batchSize, progress), classes);
}

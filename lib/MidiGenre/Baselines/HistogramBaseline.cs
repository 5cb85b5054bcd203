using MidiGenre.Data;
using MidiGenre.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Baselines;

/// <summary>Which statistics the baseline sees.</summary>
public enum BaselineFeatures
{
    /// <summary>Pitch histogram (128), pitch-class histogram (12) and the four scalars: 144 features.</summary>
    Histogram,

    /// <summary>Only the four scalars: note density, mean velocity, onset rate, mean polyphony.</summary>
    Scalars,
}

/// <summary>Test-split figures of one baseline, as in report.json's <c>baseline</c> block.</summary>
public sealed record BaselineFigures(
    string Features,
    int FeatureCount,
    string Split,
    double SegmentAccuracy,
    double PerformanceAccuracy,
    double WeightedF1
)
{
    /// <summary>The L2 strength the validation split picked (logistic regression only).</summary>
    public double L2 { get; init; }

    /// <summary>What classifies the features, with what the validation split picked.</summary>
    public string Classifier { get; init; } = "multinomial logistic regression";
}

/// <summary>
/// The yardstick of the composer-classification literature: simple statistics of each segment and multinomial
/// logistic regression, voted per piece like the CNN. Per segment (the same centred 400-bin crops the CNN is scored
/// on): the share of sounding time per pitch (128) and per pitch class (12), and four scalars — note density (onsets
/// per second), mean velocity of sounding cells (/127), onset rate (share of bins with an onset) and mean polyphony
/// (sounding pitches per bin). Features are standardised on the train split; the regression is fitted full-batch
/// with Adam on train, its L2 strength picked on validation, and scored on test. If a CNN does not beat this, it has
/// learned nothing a histogram cannot see.
/// </summary>
public sealed class HistogramBaseline(
    BaselineFeatures features = BaselineFeatures.Histogram,
    int seed = 0,
    int steps = 400
) : IBaseline
{
    public BaselineFeatures Features { get; } = features;

    /// <summary>L2 strengths tried; validation accuracy picks one (histograms of a few pieces overfit their
    /// keys).</summary>
    public static readonly double[] L2Grid = [1e-4, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>Fits on <paramref name="train"/> for each L2 strength, keeps the one with the best segment accuracy on
    /// <paramref name="validation"/>, and scores <paramref name="test"/> (segments, then majority vote per
    /// piece).</summary>
    public (EvaluationResult Test, double L2) FitAndScore(
        SegmentDataset train,
        SegmentDataset validation,
        SegmentDataset test,
        IReadOnlyList<string> classes
    )
    {
        using var scope = NewDisposeScope();
        var (xTrain, yTrain) = Extract(train);
        var mean = xTrain.mean([0], keepdim: true);
        // A feature that hardly varies in train (a pitch no train piece uses) must not explode on test.
        var std = xTrain.std(0, keepdim: true).clamp_min(1e-2);
        Tensor Standard(SegmentDataset d) => (Extract(d).X - mean) / std;
        var (xVal, xTest) = (Standard(validation), Standard(test));
        var fits = L2Grid.Select(l2 => (L2: l2, Model: Fit((xTrain - mean) / std, yTrain, classes.Count, l2))).ToList();
        var best = fits.MaxBy(f =>
            Evaluator.Score(Predict(f.Model, xVal, validation, classes.Count), classes).Segment.Accuracy
        );
        return (Evaluator.Score(Predict(best.Model, xTest, test, classes.Count), classes), best.L2);
    }

    public BaselineFigures Figures(
        SegmentDataset train,
        SegmentDataset validation,
        SegmentDataset test,
        IReadOnlyList<string> classes,
        string split = "test"
    )
    {
        var (r, l2) = FitAndScore(train, validation, test, classes);
        return new BaselineFigures(
            Name,
            FeatureCount,
            split,
            r.Segment.Accuracy,
            r.Performance.Accuracy,
            r.Performance.WeightedF1
        )
        {
            L2 = l2,
        };
    }

    public string Name =>
        Features == BaselineFeatures.Histogram ? "pitch and pitch-class histograms + 4 scalars" : "4 scalars";
    public int FeatureCount => Features == BaselineFeatures.Histogram ? 144 : 4;

    static SegmentPredictions Predict(TorchSharp.Modules.Linear model, Tensor x, SegmentDataset data, int classes)
    {
        using var _ = no_grad();
        var flat = nn.functional.softmax(model.forward(x), 1).data<float>().ToArray();
        return new SegmentPredictions(
            data,
            Enumerable.Range(0, data.Count).Select(i => flat.AsSpan(i * classes, classes).ToArray()).ToArray()
        );
    }

    /// <summary>Multinomial logistic regression: cross-entropy + l2·‖W‖², full batch, Adam.</summary>
    TorchSharp.Modules.Linear Fit(Tensor x, Tensor y, int classes, double l2)
    {
        torch.manual_seed(Common.Seeds.Derive(seed, "baseline"));
        var linear = nn.Linear(x.shape[1], classes);
        var opt = optim.Adam(linear.parameters(), 0.05);
        for (int i = 0; i < steps; i++)
        {
            using var step = NewDisposeScope();
            opt.zero_grad();
            (nn.functional.cross_entropy(linear.forward(x), y) + l2 * linear.weight!.square().sum()).backward();
            opt.step();
        }
        return linear;
    }

    /// <summary>Features (N, F) and labels (N) of every segment, in dataset order.</summary>
    (Tensor X, Tensor Y) Extract(SegmentDataset data)
    {
        var xs = new List<Tensor>();
        var ys = new List<Tensor>();
        foreach (var batch in data.Batches(64, Augmentation.Eval))
        {
            using var owned = batch;
            xs.Add(Of(batch.X)); // lives in the caller's scope
            ys.Add(batch.Y.clone());
        }
        return (cat(xs, 0), cat(ys, 0));
    }

    /// <summary>The features of a (B, C, T, 128) batch of raw rolls.</summary>
    public Tensor Of(Tensor x)
    {
        using var scope = NewDisposeScope();
        var frames = x[.., -1]; // (B, T, 128), velocities 0…127
        var sounding = frames.gt(0).to_type(ScalarType.Float32);
        // One-channel input has no onset channel: a note starts where a pitch begins to sound.
        var onsets =
            x.shape[1] == 2 ? x[.., 0] : (sounding - nn.functional.pad(sounding, [0, 0, 1, 0])[.., ..^1]).clamp_min(0);
        long bins = x.shape[2];
        double seconds = bins * Encoding.PianoRoll.BinSeconds;
        var occupancy = sounding.sum(1); // (B, 128)
        var total = occupancy.sum(1, keepdim: true).clamp_min(1);
        var scalars = stack(
            [
                onsets.sum([1, 2]) / seconds,
                frames.sum([1, 2]) / sounding.sum([1, 2]).clamp_min(1) / 127,
                onsets.amax(2).mean([1]),
                sounding.sum(2).mean([1]),
            ],
            1
        );
        if (Features == BaselineFeatures.Scalars)
            return scalars.MoveToOuterDisposeScope();
        var pitch = occupancy / total;
        var pitchClass = nn.functional.pad(pitch, [0, 4]).reshape(-1, 11, 12).sum(1);
        return cat([pitch, pitchClass, scalars], 1).MoveToOuterDisposeScope();
    }
}

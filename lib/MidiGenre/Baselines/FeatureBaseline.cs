using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using static TorchSharp.torch;

namespace MidiGenre.Baselines;

/// <summary>
/// The strongest yardstick here, what a music-information-retrieval reviewer would try first: the histogram
/// baseline's 144 features plus <see cref="MusicFeatures"/> (inter-onset intervals, note lengths, velocities, melodic
/// intervals, onset autocorrelation), classified by gradient-boosted trees (ML.NET's FastTree, one-vs-all, calibrated),
/// voted per piece like the CNN. Trees need no scaling and find interactions a linear model cannot; the tree count
/// and size are picked on the validation split, the figures are the test split's. Single-threaded and seeded, so the
/// same data give the same figures.
/// </summary>
public sealed class FeatureBaseline(int seed = 0) : IBaseline
{
    public const string Name = "music features + gradient-boosted trees";
    public static int FeatureCount => 144 + MusicFeatures.Count;

    /// <summary>(trees, leaves) tried; validation segment accuracy picks one.</summary>
    public static readonly (int Trees, int Leaves)[] Grid = [(100, 8), (300, 16)];

    sealed class Row
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    public BaselineFigures Figures(
        SegmentDataset train,
        SegmentDataset validation,
        SegmentDataset test,
        IReadOnlyList<string> classes,
        string split = "test"
    )
    {
        FastTreeNative.Ensure();
        var ml = new MLContext(Common.Seeds.Derive(seed, "feature-baseline"));
        var schema = SchemaDefinition.Create(typeof(Row));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        schema["Label"].ColumnType = new KeyDataViewType(typeof(uint), classes.Count);
        IDataView View(SegmentDataset d) => ml.Data.LoadFromEnumerable(Rows(d), schema);
        var (trainView, validationView, testView) = (View(train), View(validation), View(test));
        var fits = Grid.Select(g => (g.Trees, g.Leaves, Model: Fit(ml, trainView, g.Trees, g.Leaves))).ToList();
        var best = fits.MaxBy(f =>
            Evaluator.Score(Predict(ml, f.Model, validationView, validation, classes.Count), classes).Segment.Accuracy
        );
        var r = Evaluator.Score(Predict(ml, best.Model, testView, test, classes.Count), classes);
        return new BaselineFigures(
            Name,
            FeatureCount,
            split,
            r.Segment.Accuracy,
            r.Performance.Accuracy,
            r.Performance.WeightedF1
        )
        {
            Classifier =
                $"gradient-boosted trees (ML.NET FastTree, one-vs-all; {best.Trees} trees of {best.Leaves} "
                + "leaves, picked on validation)",
        };
    }

    static ITransformer Fit(MLContext ml, IDataView train, int trees, int leaves)
    {
        var options = new FastTreeBinaryTrainer.Options
        {
            NumberOfTrees = trees,
            NumberOfLeaves = leaves,
            MinimumExampleCountPerLeaf = 5,
            LearningRate = 0.1,
            NumberOfThreads = 1, // deterministic: the same data give the same trees
        };
        return ml
            .MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(options))
            .Fit(train);
    }

    /// <summary>Class probabilities per segment (the one-vs-all scores, normalised to sum to 1).</summary>
    static SegmentPredictions Predict(MLContext ml, ITransformer model, IDataView view, SegmentDataset d, int k)
    {
        var scores = model.Transform(view).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray());
        var probabilities = scores
            .Select(s =>
            {
                float sum = s.Sum();
                return sum > 0 ? s.Select(v => v / sum).ToArray() : Enumerable.Repeat(1f / k, k).ToArray();
            })
            .ToArray();
        return new SegmentPredictions(d, probabilities);
    }

    /// <summary>Every segment's features (the centred crops the CNN is scored on) and its class, in dataset
    /// order.</summary>
    static List<Row> Rows(SegmentDataset data)
    {
        var histogram = new HistogramBaseline(BaselineFeatures.Histogram);
        var rows = new List<Row>(data.Count);
        foreach (var batch in data.Batches(64, Augmentation.Eval))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var h = histogram.Of(batch.X).data<float>().ToArray();
            var x = batch.X.data<float>().ToArray();
            var y = batch.Y.data<long>().ToArray();
            int channels = (int)batch.X.shape[1],
                frames = (int)batch.X.shape[2],
                per = channels * frames * 128;
            for (int i = 0; i < y.Length; i++)
                rows.Add(
                    new Row
                    {
                        // LoadFromEnumerable takes a key column's values 0-based (class c is key c + 1 inside).
                        Label = (uint)y[i],
                        Features =
                        [
                            .. h.AsSpan(i * 144, 144),
                            .. MusicFeatures.Of(x.AsSpan(i * per, per), channels, frames),
                        ],
                    }
                );
        }
        return rows;
    }
}

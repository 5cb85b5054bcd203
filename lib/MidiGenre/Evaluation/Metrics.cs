using Microsoft.Data.Analysis;

namespace MidiGenre.Evaluation;

/// <summary>Per-class precision/recall/F1 and their support-weighted averages, from true and predicted
/// labels.</summary>
public sealed record ClassificationMetrics(IReadOnlyList<string> Classes, int[,] Confusion)
{
    public int Total
    {
        get
        {
            int n = 0;
            foreach (var v in Confusion)
                n += v;
            return n;
        }
    }
    public double Accuracy =>
        Total == 0 ? 0 : Enumerable.Range(0, Classes.Count).Sum(i => Confusion[i, i]) / (double)Total;

    public int Support(int c) => Enumerable.Range(0, Classes.Count).Sum(j => Confusion[c, j]);

    int Predicted(int c) => Enumerable.Range(0, Classes.Count).Sum(i => Confusion[i, c]);

    public double Precision(int c) => Predicted(c) == 0 ? 0 : Confusion[c, c] / (double)Predicted(c);

    public double Recall(int c) => Support(c) == 0 ? 0 : Confusion[c, c] / (double)Support(c);

    public double F1(int c)
    {
        double p = Precision(c),
            r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>F1 averaged with class support as weights (scikit-learn's average='weighted'), the paper's
    /// figure.</summary>
    public double WeightedF1 =>
        Total == 0 ? 0 : Enumerable.Range(0, Classes.Count).Sum(c => F1(c) * Support(c)) / Total;

    public static ClassificationMetrics From(
        IReadOnlyList<string> classes,
        IEnumerable<(int Truth, int Predicted)> pairs
    )
    {
        var m = new int[classes.Count, classes.Count];
        foreach (var (t, p) in pairs)
            m[t, p]++;
        return new ClassificationMetrics(classes, m);
    }

    public DataFrame PerClass() =>
        new(
            new StringDataFrameColumn("class", Classes),
            new PrimitiveDataFrameColumn<double>(
                "precision",
                Enumerable.Range(0, Classes.Count).Select(c => Math.Round(Precision(c), 4))
            ),
            new PrimitiveDataFrameColumn<double>(
                "recall",
                Enumerable.Range(0, Classes.Count).Select(c => Math.Round(Recall(c), 4))
            ),
            new PrimitiveDataFrameColumn<double>(
                "f1",
                Enumerable.Range(0, Classes.Count).Select(c => Math.Round(F1(c), 4))
            ),
            new PrimitiveDataFrameColumn<int>("support", Enumerable.Range(0, Classes.Count).Select(Support))
        );

    /// <summary>Rows = true class, normalised to sum 1 (rows without support stay 0).</summary>
    public double[][] NormalisedConfusion() =>
        Enumerable
            .Range(0, Classes.Count)
            .Select(i =>
                Enumerable
                    .Range(0, Classes.Count)
                    .Select(j => Support(i) == 0 ? 0 : Confusion[i, j] / (double)Support(i))
                    .ToArray()
            )
            .ToArray();
}

using System.Globalization;
using System.Text;
using MidiGenre.Common;

namespace MidiGenre.Evaluation;

/// <summary>Which checkpoint of a run a figure comes from: "best" (by validation) or "last", and its epoch.</summary>
public sealed record CheckpointChoice(string Which, int Epoch, int Epochs);

/// <summary>One class's performance-level figures.</summary>
public sealed record ClassFigures(string Class, double Precision, double Recall, double F1, int Support);

/// <summary>evaluation.json: which data, split and checkpoint, then the figures. Written and read with the one JSON
/// convention (<see cref="JsonFiles"/>), so an undefined figure (a NaN F1 when a class has no piece) is written as null
/// and read back as NaN.</summary>
public sealed record EvaluationSummary(
    string Dataset,
    string Split,
    CheckpointChoice? Checkpoint,
    IReadOnlyList<string> Classes,
    double SegmentAccuracy,
    double PerformanceAccuracy,
    double WeightedF1,
    double SegmentWeightedF1,
    IReadOnlyList<ClassFigures> PerClass,
    int[][] Confusion
)
{
    public static EvaluationSummary Of(EvaluationResult r, string dataset, string split, CheckpointChoice? checkpoint)
    {
        var m = r.Performance;
        int n = m.Classes.Count;
        return new(
            dataset,
            split,
            checkpoint,
            m.Classes,
            r.Segment.Accuracy,
            m.Accuracy,
            m.WeightedF1,
            r.Segment.WeightedF1,
            m.Classes.Select((c, i) => new ClassFigures(c, m.Precision(i), m.Recall(i), m.F1(i), m.Support(i)))
                .ToList(),
            Enumerable
                .Range(0, n)
                .Select(i => Enumerable.Range(0, n).Select(j => m.Confusion[i, j]).ToArray())
                .ToArray()
        );
    }

    public static EvaluationSummary Read(string path) => JsonFiles.Read<EvaluationSummary>(path);
}

/// <summary>Writes evaluation results as JSON and CSV files.</summary>
public static class Report
{
    public static void WriteEvaluation(
        string dir,
        EvaluationResult r,
        string dataset,
        string split,
        CheckpointChoice? checkpoint = null
    )
    {
        Directory.CreateDirectory(dir);
        JsonFiles.Write(Path.Combine(dir, "evaluation.json"), EvaluationSummary.Of(r, dataset, split, checkpoint));
        var sb = new StringBuilder("performance,title,truth,predicted,confidence,votes,segments\n");
        foreach (var p in r.Performances)
            sb.AppendLine(
                string.Join(
                    ',',
                    Common.CsvText.Escape(p.Id),
                    Common.CsvText.Escape(p.Title),
                    r.Performance.Classes[p.Truth],
                    r.Performance.Classes[p.Predicted],
                    p.Confidence.ToString("F4", CultureInfo.InvariantCulture),
                    p.Votes,
                    p.Segments
                )
            );
        AtomicFile.WriteAllText(Path.Combine(dir, "performances.csv"), sb.ToString());
        var pc = new StringBuilder("class,precision,recall,f1,support\n");
        for (int c = 0; c < r.Performance.Classes.Count; c++)
            pc.AppendLine(
                string.Join(
                    ',',
                    r.Performance.Classes[c],
                    F(r.Performance.Precision(c)),
                    F(r.Performance.Recall(c)),
                    F(r.Performance.F1(c)),
                    r.Performance.Support(c)
                )
            );
        AtomicFile.WriteAllText(Path.Combine(dir, "per-class.csv"), pc.ToString());
    }

    static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}

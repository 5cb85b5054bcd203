using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MidiGenre.Evaluation;

/// <summary>Writes evaluation results as JSON and CSV files.</summary>
public static class Report
{
    public static JsonSerializerOptions Json => JsonFiles.Options;

    /// <summary>evaluation.json: which data, split and checkpoint, then the figures.</summary>
    public static object Summary(EvaluationResult r, string dataset, string split, object? checkpoint) =>
        new
        {
            dataset,
            split,
            checkpoint,
            classes = r.Piece.Classes,
            segment_accuracy = r.Segment.Accuracy,
            piece_accuracy = r.Piece.Accuracy,
            weighted_f1 = r.Piece.WeightedF1,
            segment_weighted_f1 = r.Segment.WeightedF1,
            per_class = r.Piece.Classes.Select(
                (c, i) =>
                    new
                    {
                        @class = c,
                        precision = r.Piece.Precision(i),
                        recall = r.Piece.Recall(i),
                        f1 = r.Piece.F1(i),
                        support = r.Piece.Support(i),
                    }
            ),
            confusion = Enumerable
                .Range(0, r.Piece.Classes.Count)
                .Select(i => Enumerable.Range(0, r.Piece.Classes.Count).Select(j => r.Piece.Confusion[i, j]).ToArray()),
        };

    public static void WriteEvaluation(
        string dir,
        EvaluationResult r,
        string dataset,
        string split,
        object? checkpoint = null
    )
    {
        Directory.CreateDirectory(dir);
        JsonFiles.Write(Path.Combine(dir, "evaluation.json"), Summary(r, dataset, split, checkpoint));
        var sb = new StringBuilder("piece,title,truth,predicted,confidence,votes,segments\n");
        foreach (var p in r.Pieces)
            sb.AppendLine(
                string.Join(
                    ',',
                    Common.CsvText.Escape(p.Id),
                    Common.CsvText.Escape(p.Title),
                    r.Piece.Classes[p.Truth],
                    r.Piece.Classes[p.Predicted],
                    p.Confidence.ToString("F4", CultureInfo.InvariantCulture),
                    p.Votes,
                    p.Segments
                )
            );
        AtomicFile.WriteAllText(Path.Combine(dir, "pieces.csv"), sb.ToString());
        var pc = new StringBuilder("class,precision,recall,f1,support\n");
        for (int c = 0; c < r.Piece.Classes.Count; c++)
            pc.AppendLine(
                string.Join(
                    ',',
                    r.Piece.Classes[c],
                    F(r.Piece.Precision(c)),
                    F(r.Piece.Recall(c)),
                    F(r.Piece.F1(c)),
                    r.Piece.Support(c)
                )
            );
        AtomicFile.WriteAllText(Path.Combine(dir, "per-class.csv"), pc.ToString());
    }

    static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}

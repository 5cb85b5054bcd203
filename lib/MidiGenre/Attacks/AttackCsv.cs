using System.Globalization;

namespace MidiGenre.Attacks;

/// <summary>Attack results as CSV, one row per (attack, budget): the columns a spreadsheet or pandas reader wants, the
/// split in every row.</summary>
public static class AttackCsv
{
    public static void Write(string path, IEnumerable<AttackResult> rows, string split)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double? v, string format) => v is double d && double.IsFinite(d) ? d.ToString(format, inv) : "";
        var lines = new List<string>
        {
            "split,attack,budget,budget_unit,targeted,segment_robust_accuracy,performance_robust_accuracy,success_rate,"
                + "target_success_rate,realized_success_rate,notes_added,notes_removed,mean_abs_dvelocity,"
                + "max_abs_dvelocity,mean_l2,median_l2,clean_loss,adversarial_loss,source_model",
        };
        lines.AddRange(
            rows.Select(r =>
                string.Join(
                    ',',
                    split,
                    r.Attack,
                    F(r.Budget, "G"),
                    CsvText.Escape(r.BudgetUnit),
                    r.Targeted ? "true" : "false",
                    F(r.SegmentRobustAccuracy, "F4"),
                    F(r.PerformanceRobustAccuracy, "F4"),
                    F(r.SuccessRate, "F4"),
                    F(r.TargetSuccessRate, "F4"),
                    F(r.RealizedSuccessRate, "F4"),
                    F(r.Size.NotesAdded, "F2"),
                    F(r.Size.NotesRemoved, "F2"),
                    F(r.Size.MeanAbsVelocityChange, "F2"),
                    r.Size.MaxAbsVelocityChange.ToString(inv),
                    F(r.Size.MeanL2, "F4"),
                    F(r.Size.MedianL2, "F4"),
                    F(r.CleanLoss, "F4"),
                    F(r.AdversarialLoss, "F4"),
                    CsvText.Escape(r.SourceModel ?? "")
                )
            )
        );
        AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }
}

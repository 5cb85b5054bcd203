using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Evaluation;

namespace MidiGenre.Experiments;

/// <summary>Figures of one attack at one budget, as in report.json and attacks.json (split: the held-out test split).
/// <c>eps</c> is the budget when it is an ε, null otherwise; <c>budget</c>/<c>budget_unit</c> say what was
/// bounded.</summary>
public sealed record AttackFigures(
    string Attack,
    double? Eps,
    double? Budget,
    string BudgetUnit,
    bool Targeted,
    double SegmentRobustAccuracy,
    double PieceRobustAccuracy,
    double SuccessRate,
    double? TargetSuccessRate,
    double RealizedSuccessRate,
    double? RealizedTargetSuccessRate,
    double RealizedSegmentAccuracy,
    double NotesAdded,
    double NotesRemoved,
    double MeanAbsVelocityChange,
    double MedianAbsVelocityChange,
    int MaxAbsVelocityChange,
    double MeanL2,
    double MedianL2,
    double SecondsPerSegment,
    int[][] Confusion
)
{
    public static AttackFigures From(AttackResult r) =>
        new(
            r.Attack,
            r.Eps,
            r.Budget,
            r.BudgetUnit,
            r.Targeted,
            r.SegmentRobustAccuracy,
            r.PieceRobustAccuracy,
            r.SuccessRate,
            r.TargetSuccessRate,
            r.RealizedSuccessRate,
            r.RealizedTargetSuccessRate,
            r.RealizedSegmentAccuracy,
            r.Size.NotesAdded,
            r.Size.NotesRemoved,
            r.Size.MeanAbsVelocityChange,
            r.Size.MedianAbsVelocityChange,
            r.Size.MaxAbsVelocityChange,
            r.Size.MeanL2,
            r.Size.MedianL2,
            r.SecondsPerSegment,
            r.Confusion
        );
}

public sealed record CleanFigures(double SegmentAccuracy, double PieceAccuracy, double WeightedF1);

public sealed record RobustFigures(double CleanAccuracy, double RobustAccuracy, double PieceRobustAccuracy);

/// <summary>Base vs adversarially trained model under the same PGD attack (test split). <c>Attack</c> is the attack
/// both are evaluated with; <c>Method</c> how the retrained model was trained (pgd, fast, trades).</summary>
public sealed record AdversarialTrainingFigures(
    string Attack,
    double Eps,
    double Mix,
    RobustFigures Base,
    RobustFigures Retrained
)
{
    public string Method { get; init; } = "pgd";

    /// <summary>Segment accuracy after the adversarial examples were realised as MIDI.</summary>
    public double RealizedBase { get; init; }
    public double RealizedRetrained { get; init; }
}

/// <summary>Which weights a report's figures come from.</summary>
/// <summary>The pipeline's report.json. Every figure is on the <see cref="Split"/> ("test") split; validation figures
/// (which picked the checkpoint) stay in each run's metrics.csv.</summary>
public sealed record PipelineReport(
    string Profile,
    string Dataset,
    IReadOnlyList<string> Classes,
    string Arch,
    int TrainPieces,
    int ValidationPieces,
    CleanFigures Clean,
    List<AttackFigures> Attacks,
    AdversarialTrainingFigures AdversarialTraining,
    double Seconds
)
{
    public string Split { get; init; } = "test";
    public int TestPieces { get; init; }
    public string SplitMode { get; init; } = "";
    public CheckpointChoice? Checkpoint { get; init; }
    public int Seed { get; init; }

    /// <summary>Files of the corpus that failed to encode and were left out (listed in encode-failures.csv).</summary>
    public int EncodeFailures { get; init; }

    /// <summary>Pitch/pitch-class histograms + 4 scalars, logistic regression, majority vote (test split).</summary>
    public Baselines.BaselineFigures? Baseline { get; init; }

    /// <summary>The 4 scalars alone (note density, mean velocity, onset rate, polyphony).</summary>
    public Baselines.BaselineFigures? ScalarBaseline { get; init; }

    public static JsonSerializerOptions Json => JsonFiles.Options;

    public static PipelineReport Read(string path) => JsonFiles.Read<PipelineReport>(path);
}

/// <summary>
/// The whole study: prepare → train → evaluate → FGSM and PGD sweeps → adversarial retraining → re-attack, written to
/// OUT/report.json (plus checkpoints under OUT/base and OUT/advtrain, attacks.csv, MIDI examples under OUT/examples).
/// The same <see cref="Study"/> steps the notebooks call; finished steps (cache, checkpoints) are reused, so a re-run
/// after a crash resumes.
/// </summary>
public sealed class Pipeline(string profile, string outDir, DataSource source, int seed = 0)
{
    public Action<string>? Log { get; init; }
    public double[] Epsilons { get; init; } = [0, 0.02, 0.05, 0.1];
    public string Checkpoint { get; init; } = "best";
    public string AdversarialMethod { get; init; } = "pgd";

    public PipelineReport Run()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var study = new Study(profile, outDir, source, seed)
        {
            Log = Log,
            Epsilons = Epsilons,
            Checkpoint = Checkpoint,
            AdversarialMethod = AdversarialMethod,
        };
        Log?.Invoke($"data: {source.Name}; device: {study.Device.type}");
        Log?.Invoke(
            $"{study.Data.Classes.Count} classes; {study.Data.Train.Pieces.Count} train / "
                + $"{study.Data.Validation.Pieces.Count} validation / "
                + $"{study.Data.Test.Pieces.Count} test pieces ({study.Data.Split.Mode} split); "
                + $"figures below are on the test split"
        );
        var baseModel = study.TrainBase();
        var clean = study.Evaluate(baseModel, study.BaseDir);
        Log?.Invoke(
            $"clean (test): segment {clean.Segment.Accuracy:P1}, piece {clean.Piece.Accuracy:P1}, weighted F1 "
                + $"{clean.Piece.WeightedF1:F3}"
        );
        study.Baselines();
        study.Sweep(baseModel);
        var retrained = study.TrainAdversarial();
        study.CompareRobustness(baseModel, retrained);
        return study.WriteReport(started.Elapsed.TotalSeconds);
    }

    public static void WriteAttacksCsv(string path, IEnumerable<AttackFigures> rows)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string F(double? v, string format) => v is double d && double.IsFinite(d) ? d.ToString(format, inv) : "";
        var lines = new List<string>
        {
            "split,attack,budget,budget_unit,targeted,segment_robust_accuracy,piece_robust_accuracy,success_rate,"
                + "target_success_rate,realized_success_rate,notes_added,notes_removed,mean_abs_dvelocity,"
                + "max_abs_dvelocity,mean_l2,median_l2",
        };
        lines.AddRange(
            rows.Select(r =>
                string.Join(
                    ',',
                    "test",
                    r.Attack,
                    F(r.Budget, "G"),
                    CsvText.Escape(r.BudgetUnit),
                    r.Targeted ? "true" : "false",
                    F(r.SegmentRobustAccuracy, "F4"),
                    F(r.PieceRobustAccuracy, "F4"),
                    F(r.SuccessRate, "F4"),
                    F(r.TargetSuccessRate, "F4"),
                    F(r.RealizedSuccessRate, "F4"),
                    F(r.NotesAdded, "F2"),
                    F(r.NotesRemoved, "F2"),
                    F(r.MeanAbsVelocityChange, "F2"),
                    r.MaxAbsVelocityChange.ToString(inv),
                    F(r.MeanL2, "F4"),
                    F(r.MedianL2, "F4")
                )
            )
        );
        AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }
}

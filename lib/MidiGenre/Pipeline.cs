using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Data;

namespace MidiGenre;

/// <summary>Figures of one attack at one ε, as in report.json.</summary>
public sealed record AttackFigures(string Attack, double Eps, double SegmentRobustAccuracy, double PieceRobustAccuracy, double SuccessRate,
    double RealizedSuccessRate, double RealizedSegmentAccuracy, double NotesAdded, double NotesRemoved, double MeanAbsVelocityChange,
    int MaxAbsVelocityChange, double MeanL2, double SecondsPerSegment, int[][] Confusion)
{
    public static AttackFigures From(AttackResult r) => new(r.Attack, r.Eps, r.SegmentRobustAccuracy, r.PieceRobustAccuracy, r.SuccessRate,
        r.RealizedSuccessRate, r.RealizedSegmentAccuracy, r.NotesAdded, r.NotesRemoved, r.MeanAbsVelocityChange, r.MaxAbsVelocityChange, r.MeanL2,
        r.SecondsPerSegment, r.Confusion);
}

public sealed record CleanFigures(double SegmentAccuracy, double PieceAccuracy, double WeightedF1);
public sealed record RobustFigures(double CleanAccuracy, double RobustAccuracy, double PieceRobustAccuracy);
public sealed record AdversarialTrainingFigures(string Attack, double Eps, double Mix, RobustFigures Base, RobustFigures Retrained);

/// <summary>The pipeline's report.json.</summary>
public sealed record PipelineReport(string Profile, string Dataset, IReadOnlyList<string> Classes, string Arch, int TrainPieces, int ValidationPieces,
    CleanFigures Clean, List<AttackFigures> Attacks, AdversarialTrainingFigures AdversarialTraining, double Seconds)
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    public static PipelineReport Read(string path) => JsonSerializer.Deserialize<PipelineReport>(File.ReadAllText(path), Json)!;
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

    public PipelineReport Run()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var study = new Study(profile, outDir, source, seed) { Log = Log, Epsilons = Epsilons };
        Log?.Invoke($"data: {source.Name}; device: {study.Device.type}");
        Log?.Invoke($"{study.Data.Classes.Count} classes, {study.Data.Train.Pieces.Count} train / {study.Data.Validation.Pieces.Count} validation pieces");
        var baseModel = study.TrainBase();
        var clean = study.Evaluate(baseModel, study.BaseDir);
        Log?.Invoke($"clean: segment {clean.Segment.Accuracy:P1}, piece {clean.Piece.Accuracy:P1}, weighted F1 {clean.Piece.WeightedF1:F3}");
        study.Sweep(baseModel);
        var retrained = study.TrainAdversarial();
        study.CompareRobustness(baseModel, retrained);
        return study.WriteReport(started.Elapsed.TotalSeconds);
    }

    public static void WriteAttacksCsv(string path, IEnumerable<AttackFigures> rows)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var lines = new List<string> { "attack,eps,segment_robust_accuracy,piece_robust_accuracy,success_rate,realized_success_rate,notes_added,notes_removed,mean_abs_dvelocity,max_abs_dvelocity,mean_l2" };
        lines.AddRange(rows.Select(r => string.Join(',', r.Attack, r.Eps.ToString(inv), r.SegmentRobustAccuracy.ToString("F4", inv), r.PieceRobustAccuracy.ToString("F4", inv),
            r.SuccessRate.ToString("F4", inv), r.RealizedSuccessRate.ToString("F4", inv), r.NotesAdded.ToString("F2", inv), r.NotesRemoved.ToString("F2", inv),
            r.MeanAbsVelocityChange.ToString("F2", inv), r.MaxAbsVelocityChange.ToString(inv), r.MeanL2.ToString("F4", inv))));
        AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }
}

using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre;

/// <summary>Figures of one attack at one ε, as in report.json.</summary>
public sealed record AttackFigures(string Attack, double Eps, double SegmentRobustAccuracy, double PieceRobustAccuracy, double SuccessRate,
    double RealizedSuccessRate, double RealizedSegmentAccuracy, double NotesAdded, double NotesRemoved, double MeanAbsVelocityChange,
    int MaxAbsVelocityChange, double MeanL2, double SecondsPerSegment, int[][] Confusion);

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
/// Each stage reuses finished work (cache, checkpoints) so a re-run after a crash resumes.
/// </summary>
public sealed class Pipeline(string profile, string outDir, DataSource source, int seed = 0)
{
    public Action<string>? Log { get; init; }
    public Action<TrainProgress>? OnTrainProgress { get; init; }
    public TrainSettings Settings { get; init; } = TrainSettings.ForProfile(profile) with { Seed = seed };
    public double[] Epsilons { get; init; } = [0, 0.02, 0.05, 0.1];
    public double AdversarialEps { get; init; } = 0.05;
    public int PgdSteps { get; init; } = profile == "smoke" ? 5 : 10;

    public PipelineReport Run()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var device = ModelFactory.DefaultDevice();
        Say($"data: {source.Name}; device: {device.type}");
        var data = ExperimentData.Load(source, new SegmentSpec(Settings.SegmentsPerPiece), seed, Settings.InputChannels);
        Say($"{data.Classes.Count} classes, {data.Train.Pieces.Count} train / {data.Validation.Pieces.Count} validation pieces");

        var baseModel = TrainOrLoad(data, Path.Combine(outDir, "base"), null, device);
        var clean = Evaluator.Evaluate(baseModel, data.Validation, data.Classes, 32, device);
        Report.WriteEvaluation(Path.Combine(outDir, "base"), clean, source.Name);
        Say($"clean: segment {clean.Segment.Accuracy:P1}, piece {clean.Piece.Accuracy:P1}, weighted F1 {clean.Piece.WeightedF1:F3}");

        var attacks = new List<AttackFigures>();
        foreach (var name in new[] { "fgsm", "pgd" })
            foreach (var eps in Epsilons)
            {
                var r = AttackEvaluator.Run(baseModel, data.Validation, data.Classes, AttackFactory.Create(name, eps, PgdSteps, seed), eps, 16, device,
                    eps == AdversarialEps ? Path.Combine(outDir, "examples") : null);
                attacks.Add(Figures(r));
                Say($"{name} ε={eps}: robust {r.SegmentRobustAccuracy:P1} (piece {r.PieceRobustAccuracy:P1}), success {r.SuccessRate:P1}, realised {r.RealizedSuccessRate:P1}");
            }
        WriteAttacksCsv(Path.Combine(outDir, "attacks.csv"), attacks);

        var adv = new AdversarialTraining(AdversarialEps, PgdSteps, 0.5, seed);
        var retrained = TrainOrLoad(data, Path.Combine(outDir, "advtrain"), adv, device);
        var pgd = AttackFactory.Create("pgd", AdversarialEps, PgdSteps, seed);
        var before = AttackEvaluator.Run(baseModel, data.Validation, data.Classes, pgd, AdversarialEps, 16, device);
        var after = AttackEvaluator.Run(retrained, data.Validation, data.Classes, pgd, AdversarialEps, 16, device);
        Say($"PGD ε={AdversarialEps}: base robust {before.SegmentRobustAccuracy:P1} → retrained {after.SegmentRobustAccuracy:P1} (clean {before.CleanAccuracy:P1} → {after.CleanAccuracy:P1})");

        var report = new PipelineReport(profile, source.Name, data.Classes, Settings.Arch, data.Train.Pieces.Count, data.Validation.Pieces.Count,
            new CleanFigures(clean.Segment.Accuracy, clean.Piece.Accuracy, clean.Piece.WeightedF1), attacks,
            new AdversarialTrainingFigures("pgd", AdversarialEps, adv.Mix,
                new RobustFigures(before.CleanAccuracy, before.SegmentRobustAccuracy, before.PieceRobustAccuracy),
                new RobustFigures(after.CleanAccuracy, after.SegmentRobustAccuracy, after.PieceRobustAccuracy)),
            Math.Round(started.Elapsed.TotalSeconds, 1));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(report, PipelineReport.Json));
        Say($"report → {Path.Combine(outDir, "report.json")}");
        return report;
    }

    nn.Module<Tensor, Tensor> TrainOrLoad(ExperimentData data, string dir, AdversarialTraining? adv, Device device)
    {
        var settings = Settings;
        if (File.Exists(Path.Combine(dir, "last", "meta.json")) && Checkpoint.ReadMeta(Path.Combine(dir, "last")).Epoch >= settings.Epochs)
            Say($"reusing the finished run in {dir}");
        else
        {
            Say($"training {settings.Arch} {(adv == null ? "" : $"adversarially (PGD ε={adv.Eps}, mix {adv.Mix}) ")}for {settings.Epochs} epochs → {dir}");
            var trainer = new Trainer(settings, data.Classes, dir, source.Name)
            {
                Device = device,
                OnProgress = OnTrainProgress,
                OnEpoch = m => Say($"  epoch {m.Epoch}: loss {m.TrainLoss:F3}, val piece acc {m.ValPieceAccuracy:P1}, F1 {m.ValWeightedF1:F3}, {m.SegmentsPerSecond:F1} seg/s"),
                BatchTransform = adv == null ? null : adv.Transform,
            };
            trainer.Run(data.Train, data.Validation, resume: true);
        }
        // The last epoch's weights: "best" by validation F1 would let the validation set choose the attacked model.
        return Checkpoint.LoadModel(Path.Combine(dir, "last"), device).Model;
    }

    static AttackFigures Figures(AttackResult r) => new(r.Attack, r.Eps, r.SegmentRobustAccuracy, r.PieceRobustAccuracy, r.SuccessRate,
        r.RealizedSuccessRate, r.RealizedSegmentAccuracy, r.NotesAdded, r.NotesRemoved, r.MeanAbsVelocityChange, r.MaxAbsVelocityChange, r.MeanL2,
        r.SecondsPerSegment, r.Confusion);

    public static void WriteAttacksCsv(string path, IEnumerable<AttackFigures> rows)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var lines = new List<string> { "attack,eps,segment_robust_accuracy,piece_robust_accuracy,success_rate,realized_success_rate,notes_added,notes_removed,mean_abs_dvelocity,max_abs_dvelocity,mean_l2" };
        lines.AddRange(rows.Select(r => string.Join(',', r.Attack, r.Eps.ToString(inv), r.SegmentRobustAccuracy.ToString("F4", inv), r.PieceRobustAccuracy.ToString("F4", inv),
            r.SuccessRate.ToString("F4", inv), r.RealizedSuccessRate.ToString("F4", inv), r.NotesAdded.ToString("F2", inv), r.NotesRemoved.ToString("F2", inv),
            r.MeanAbsVelocityChange.ToString("F2", inv), r.MaxAbsVelocityChange.ToString(inv), r.MeanL2.ToString("F4", inv))));
        AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    void Say(string s) => Log?.Invoke(s);
}

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

/// <summary>A required file of an earlier step is missing; says which notebook or command produces it.</summary>
public sealed class MissingStepException(string path, string producedBy)
    : Exception($"{path} is missing: run {producedBy} first (same MIDIGENRE_PROFILE and output folder)");

/// <summary>
/// One experiment's steps and files, shared by `midigenre pipeline` and the notebooks: each step writes its result
/// under <see cref="OutDir"/> (base/, advtrain/, attacks.json, robustness.json, report.json) and later steps read
/// them, so any notebook can be re-run alone and a crashed run resumes.
/// </summary>
public sealed class Study
{
    public string Profile { get; }
    public string OutDir { get; }
    public DataSource Source { get; }
    public int Seed { get; }
    public TrainSettings Settings { get; init; }
    public double[] Epsilons { get; init; } = [0, 0.02, 0.05, 0.1];
    public double AdversarialEps { get; init; } = 0.05;
    public double AdversarialMix { get; init; } = 0.5;
    public int PgdSteps => Profile == "smoke" ? 5 : 10;
    public Device Device { get; } = ModelFactory.DefaultDevice();
    /// <summary>Progress lines (notebooks point this at an updating display).</summary>
    public Action<string>? Log { get; set; }
    public Action<TrainProgress>? OnTrainProgress { get; set; }

    public string BaseDir => Path.Combine(OutDir, "base");
    public string AdvDir => Path.Combine(OutDir, "advtrain");
    public string AttacksPath => Path.Combine(OutDir, "attacks.json");
    public string RobustnessPath => Path.Combine(AdvDir, "robustness.json");
    public string ReportPath => Path.Combine(OutDir, "report.json");
    public string ExamplesDir => Path.Combine(OutDir, "examples");

    public Study(string profile, string outDir, DataSource source, int seed = 0)
    {
        Profile = profile;
        OutDir = Path.GetFullPath(outDir);
        Source = source;
        Seed = seed;
        Settings = TrainSettings.ForProfile(profile) with { Seed = seed };
    }

    /// <summary>Profile from MIDIGENRE_PROFILE (default paper with CUDA, else cpu), data from MIDIGENRE_DATA / MIDIGENRE_MAESTRO,
    /// output from MIDIGENRE_OUT (default artifacts/notebooks/&lt;profile&gt; under <paramref name="root"/>).</summary>
    public static Study FromEnvironment(string root, Action<string>? log = null)
    {
        string profile = Environment.GetEnvironmentVariable("MIDIGENRE_PROFILE") is { Length: > 0 } p ? p : cuda.is_available() ? "paper" : "cpu";
        string data = Environment.GetEnvironmentVariable("MIDIGENRE_DATA") is { Length: > 0 } d ? d : Path.Combine(root, "data");
        string? maestro = Environment.GetEnvironmentVariable("MIDIGENRE_MAESTRO") is { Length: > 0 } m ? m : null;
        string outDir = Environment.GetEnvironmentVariable("MIDIGENRE_OUT") is { Length: > 0 } o ? o : Path.Combine(root, "artifacts", "notebooks", profile);
        return new Study(profile, outDir, DataSource.ForProfile(profile, data, maestro)) { Log = log };
    }

    ExperimentData? _data;
    /// <summary>Corpus, cache, split and datasets (generated/encoded on first use).</summary>
    public ExperimentData Data => _data ??= ExperimentData.Load(Source, new SegmentSpec(Settings.SegmentsPerPiece), Seed, Settings.InputChannels);

    /// <summary>Trains the base model (or reuses a finished run) and returns it in eval mode.</summary>
    public nn.Module<Tensor, Tensor> TrainBase() => TrainOrLoad(BaseDir, null);

    /// <summary>PGD adversarial retraining (Madry; a mix of clean and adversarial segments per batch).</summary>
    public nn.Module<Tensor, Tensor> TrainAdversarial() => TrainOrLoad(AdvDir, new AdversarialTraining(AdversarialEps, PgdSteps, AdversarialMix, Seed));

    public CheckpointMeta Meta(string runDir) => Checkpoint.ReadMeta(Path.Combine(Require(Path.Combine(runDir, "last", "meta.json"), Producer(runDir)), ".."));

    /// <summary>Loads a finished run's final weights; the validation set never picks the attacked model.</summary>
    public nn.Module<Tensor, Tensor> Load(string runDir) => Checkpoint.LoadModel(Path.Combine(Path.GetDirectoryName(Require(Path.Combine(runDir, "last", "meta.json"), Producer(runDir)))!), Device).Model;

    string Producer(string runDir) => runDir == AdvDir ? "05-adversarial-training.ipynb (or `midigenre pipeline`)" : "02-training.ipynb (or `midigenre pipeline`)";

    static string Require(string path, string producer) => File.Exists(path) ? path : throw new MissingStepException(path, producer);

    nn.Module<Tensor, Tensor> TrainOrLoad(string dir, AdversarialTraining? adv)
    {
        if (File.Exists(Path.Combine(dir, "last", "meta.json")) && Checkpoint.ReadMeta(Path.Combine(dir, "last")).Epoch >= Settings.Epochs)
            Say($"reusing the finished run in {dir} (delete it to train again)");
        else
        {
            Say($"training {Settings.Arch} {(adv == null ? "" : $"adversarially (PGD ε={adv.Eps}, mix {adv.Mix}) ")}for {Settings.Epochs} epochs on {Device.type} → {dir}");
            new Trainer(Settings, Data.Classes, dir, Source.Name)
            {
                Device = Device,
                OnProgress = OnTrainProgress,
                OnEpoch = m => Say($"epoch {m.Epoch}/{Settings.Epochs}: loss {m.TrainLoss:F3}, train acc {m.TrainAccuracy:P1}, val piece acc {m.ValPieceAccuracy:P1}, F1 {m.ValWeightedF1:F3}, {m.SegmentsPerSecond:F1} seg/s"),
                BatchTransform = adv == null ? null : adv.Transform,
            }.Run(Data.Train, Data.Validation, resume: true);
        }
        return Load(dir);
    }

    /// <summary>Segment and piece-level evaluation on the validation split; writes evaluation.json beside the run.</summary>
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, string runDir)
    {
        var r = Evaluator.Evaluate(model, Data.Validation, Data.Classes, 0, Device);
        Report.WriteEvaluation(runDir, r, Source.Name);
        return r;
    }

    /// <summary>FGSM and PGD over <see cref="Epsilons"/>; writes attacks.json and attacks.csv; saves MIDI pairs at the adversarial-training ε.</summary>
    public List<AttackFigures> Sweep(nn.Module<Tensor, Tensor> model, IEnumerable<string>? attacks = null)
    {
        var rows = new List<AttackFigures>();
        foreach (var name in attacks ?? ["fgsm", "pgd"])
            foreach (var eps in Epsilons)
            {
                var r = RunAttack(model, AttackFactory.Create(name, eps, PgdSteps, Seed), eps, eps == AdversarialEps ? ExamplesDir : null);
                rows.Add(AttackFigures.From(r));
                Say($"{name} ε={eps}: robust {r.SegmentRobustAccuracy:P1} (piece {r.PieceRobustAccuracy:P1}), success {r.SuccessRate:P1}, realised {r.RealizedSuccessRate:P1}");
            }
        AtomicFile.WriteAllText(AttacksPath, JsonSerializer.Serialize(rows, PipelineReport.Json));
        Pipeline.WriteAttacksCsv(Path.Combine(OutDir, "attacks.csv"), rows);
        return rows;
    }

    public AttackResult RunAttack(nn.Module<Tensor, Tensor> model, Attack attack, double eps, string? saveMidiDir = null) =>
        AttackEvaluator.Run(model, Data.Validation, Data.Classes, attack, eps, 16, Device, saveMidiDir);

    public List<AttackFigures> ReadSweep() =>
        JsonSerializer.Deserialize<List<AttackFigures>>(File.ReadAllText(Require(AttacksPath, "04-attacks-fgsm-pgd.ipynb (or `midigenre pipeline`)")), PipelineReport.Json)!;

    /// <summary>Clean and PGD-robust accuracy of the base and the retrained model at the same ε; writes robustness.json.</summary>
    public AdversarialTrainingFigures CompareRobustness(nn.Module<Tensor, Tensor> baseModel, nn.Module<Tensor, Tensor> retrained)
    {
        var pgd = AttackFactory.Create("pgd", AdversarialEps, PgdSteps, Seed);
        var before = RunAttack(baseModel, pgd, AdversarialEps);
        var after = RunAttack(retrained, pgd, AdversarialEps);
        var figures = new AdversarialTrainingFigures("pgd", AdversarialEps, AdversarialMix,
            new RobustFigures(before.CleanAccuracy, before.SegmentRobustAccuracy, before.PieceRobustAccuracy),
            new RobustFigures(after.CleanAccuracy, after.SegmentRobustAccuracy, after.PieceRobustAccuracy));
        Directory.CreateDirectory(AdvDir);
        AtomicFile.WriteAllText(RobustnessPath, JsonSerializer.Serialize(figures, PipelineReport.Json));
        Say($"PGD ε={AdversarialEps}: base robust {before.SegmentRobustAccuracy:P1} → retrained {after.SegmentRobustAccuracy:P1} (clean {before.CleanAccuracy:P1} → {after.CleanAccuracy:P1})");
        return figures;
    }

    /// <summary>Assembles report.json from the files the steps wrote.</summary>
    public PipelineReport WriteReport(double seconds = 0)
    {
        var eval = JsonDocument.Parse(File.ReadAllText(Require(Path.Combine(BaseDir, "evaluation.json"), "03-evaluation.ipynb (or `midigenre pipeline`)"))).RootElement;
        var robustness = JsonSerializer.Deserialize<AdversarialTrainingFigures>(File.ReadAllText(Require(RobustnessPath, "05-adversarial-training.ipynb (or `midigenre pipeline`)")), PipelineReport.Json)!;
        var report = new PipelineReport(Profile, Source.Name, Data.Classes, Settings.Arch, Data.Train.Pieces.Count, Data.Validation.Pieces.Count,
            new CleanFigures(eval.GetProperty("segment_accuracy").GetDouble(), eval.GetProperty("piece_accuracy").GetDouble(), eval.GetProperty("weighted_f1").GetDouble()),
            ReadSweep(), robustness, Math.Round(seconds, 1));
        AtomicFile.WriteAllText(ReportPath, JsonSerializer.Serialize(report, PipelineReport.Json));
        Say($"report → {ReportPath}");
        return report;
    }

    void Say(string s) => Log?.Invoke(s);
}

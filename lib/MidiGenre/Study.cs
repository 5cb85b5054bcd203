using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Baselines;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre;

/// <summary>A required file of an earlier step is missing; says which notebook or command produces it.</summary>
public sealed class MissingStepException(string path, string producedBy)
    : Exception(
        $"{path} is missing: run {producedBy} first (`midigenre pipeline`, or the notebook of that step, with the same "
            + "profile and output folder)"
    );

/// <summary>The parameters of a study, named for display.</summary>
public sealed record StudyParameters(
    string Profile,
    string Corpus,
    string CorpusPath,
    string LabelColumn,
    string ReportedSplit,
    string Checkpoint,
    int Seed,
    string OutputFolder,
    string Device
);

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

    /// <summary>pgd (Madry et al.; the default) or fast (FGSM with random start, Wong et al. 2020, with its overfitting
    /// guard; ~2.5× faster on the cpu profile but, measured there, ~25 points less robust — README "Adversarial
    /// training"). From MIDIGENRE_ADV_METHOD in the notebooks.</summary>
    public string AdversarialMethod { get; init; } = "pgd";
    string Method => AdversarialMethod;
    public int PgdSteps => Profile == "smoke" ? 5 : 10;

    /// <summary>Minibatch replays m of free adversarial training (Shafahi et al. use 2–10; epochs are divided by
    /// m).</summary>
    public int FreeReplays { get; init; } = 4;
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

    /// <summary>Which checkpoint of a run the steps use: "best" (best validation piece F1; the default everywhere) or
    /// "last".</summary>
    public string Checkpoint { get; init; } = "best";

    /// <summary>The split every reported figure comes from.</summary>
    public const string ReportSplit = "test";

    /// <summary>What this notebook run uses, as one named table (the parameters cell shows it).</summary>
    public StudyParameters Parameters =>
        new(
            Profile,
            Source.Name,
            Source.CorpusPath,
            Source.LabelColumn,
            ReportSplit,
            Checkpoint,
            Seed,
            OutDir,
            Device.type.ToString()
        );

    /// <summary>Profile from MIDIGENRE_PROFILE (default paper with CUDA, else cpu), data from MIDIGENRE_DATA /
    /// MIDIGENRE_CORPUS (alias MIDIGENRE_MAESTRO) and MIDIGENRE_LABEL,
    /// output from MIDIGENRE_OUT (default artifacts/notebooks/&lt;profile&gt; under <paramref name="root"/>).</summary>
    public static Study FromEnvironment(string root, Action<string>? log = null)
    {
        string profile =
            Environment.GetEnvironmentVariable("MIDIGENRE_PROFILE") is { Length: > 0 } p ? p
            : cuda.is_available() ? "paper"
            : "cpu";
        string data = Environment.GetEnvironmentVariable("MIDIGENRE_DATA") is { Length: > 0 } d
            ? d
            : Path.Combine(root, "data");
        string? corpus =
            Environment.GetEnvironmentVariable("MIDIGENRE_CORPUS") is { Length: > 0 } c ? c
            : Environment.GetEnvironmentVariable("MIDIGENRE_MAESTRO") is { Length: > 0 } m ? m
            : null;
        string label = Environment.GetEnvironmentVariable("MIDIGENRE_LABEL") is { Length: > 0 } l
            ? l
            : Catalog.DefaultLabelColumn;
        string outDir = Environment.GetEnvironmentVariable("MIDIGENRE_OUT") is { Length: > 0 } o
            ? o
            : Path.Combine(root, "artifacts", "notebooks", profile);
        string method = Environment.GetEnvironmentVariable("MIDIGENRE_ADV_METHOD") is { Length: > 0 } a ? a : "pgd";
        return new Study(profile, outDir, DataSource.ForProfile(profile, data, corpus) with { LabelColumn = label })
        {
            Log = log,
            AdversarialMethod = method,
        };
    }

    ExperimentData? _data;

    /// <summary>Corpus, cache, split and datasets (generated/encoded on first use).</summary>
    public ExperimentData Data => _data ??= LoadData();

    ExperimentData LoadData()
    {
        var data = ExperimentData.Load(
            Source,
            new SegmentSpec(Settings.SegmentsPerPiece),
            Seed,
            Settings.InputChannels,
            warn: s => Say("warning: " + s)
        );
        data.WriteFailures(OutDir);
        return data;
    }

    /// <summary>The held-out segments every reported figure is computed on.</summary>
    public SegmentDataset TestSet => Data.Test;

    /// <summary>Trains the base model (or reuses a finished run) and returns it in eval mode.</summary>
    public nn.Module<Tensor, Tensor> TrainBase() => TrainOrLoad(BaseDir, null);

    /// <summary>Adversarial retraining with <see cref="AdversarialMethod"/> (or <paramref name="method"/>) into
    /// <see cref="AdvDir"/> (or <paramref name="dir"/>); a mix of clean and adversarial segments per batch.</summary>
    public nn.Module<Tensor, Tensor> TrainAdversarial(string? method = null, string? dir = null)
    {
        method ??= Method;
        int steps = method == "free" ? FreeReplays : PgdSteps;
        var adv = new AdversarialTraining(AdversarialEps, steps, AdversarialMix, Seed, method);
        var guard =
            method == "fast" ? new OverfittingGuard(Data.Validation, AdversarialEps, PgdSteps, seed: Seed) : null;
        return TrainOrLoad(dir ?? AdvDir, adv, guard);
    }

    /// <summary>The run's full history and settings (from last/, which holds every epoch).</summary>
    public CheckpointMeta Meta(string runDir) => Training.Checkpoint.ReadMeta(RequireRun(runDir), "last");

    /// <summary>Loads a finished run's <see cref="Checkpoint"/> weights (best validation epoch by default) in eval
    /// mode.</summary>
    public nn.Module<Tensor, Tensor> Load(string runDir) =>
        Training.Checkpoint.LoadModel(RequireRun(runDir), Device, Checkpoint).Model;

    /// <summary>"best, epoch 6 of 8" for titles and reports.</summary>
    public CheckpointChoice ChoiceOf(string runDir)
    {
        var meta = Training.Checkpoint.ReadMeta(RequireRun(runDir), Checkpoint);
        return new CheckpointChoice(Checkpoint, meta.Epoch, meta.Settings.Epochs);
    }

    string RequireRun(string runDir)
    {
        Require(
            Path.Combine(runDir, "last", "meta.json"),
            runDir == AdvDir ? "the adversarial-training step" : "the training step"
        );
        return runDir;
    }

    static string Require(string path, string producer) =>
        File.Exists(path) ? path : throw new MissingStepException(path, producer);

    nn.Module<Tensor, Tensor> TrainOrLoad(string dir, AdversarialTraining? adv, OverfittingGuard? guard = null)
    {
        var settings = adv == null ? Settings : Settings with { Epochs = adv.EpochsFor(Settings.Epochs) };
        Training.Checkpoint.Recover(Path.Combine(dir, "last"));
        if (
            File.Exists(Path.Combine(dir, "last", "meta.json"))
            && Training.Checkpoint.ReadMeta(dir, "last") is var done
            && (done.Epoch >= settings.Epochs || done.StoppedEarly != null)
        )
            Say($"reusing the finished run in {dir} (delete it to train again)");
        else
        {
            Say(
                $"training {Settings.Arch} "
                    + $"{(adv == null ? "" : $"adversarially ({adv.Method}, ε={adv.Eps}, mix {adv.Mix}) ")}for "
                    + $"{settings.Epochs} epochs on {Device.type} → {dir}"
            );
            new Trainer(settings, Data.Classes, dir, Source.Name)
            {
                Device = Device,
                Source = Source,
                Defense = adv?.Settings,
                OnProgress = OnTrainProgress,
                OnEpoch = m =>
                    Say(
                        $"epoch {m.Epoch}/{settings.Epochs}: loss {m.TrainLoss:F3}, train acc {m.TrainAccuracy:P1}, "
                            + $"validation piece acc {m.ValPieceAccuracy:P1}, F1 {m.ValWeightedF1:F3}, "
                            + $"{m.SegmentsPerSecond:F1} seg/s"
                    ),
                BatchTransform = adv == null ? null : adv.Transform,
                Replays = adv?.Replays ?? 1,
                AfterBackward = adv == null ? null : adv.AfterBackward,
                StopCheck = guard == null ? null : guard.Check,
                OnStop = reason => Say("stopped: " + reason),
            }.Run(Data.Train, Data.Validation, resume: true);
        }
        return Load(dir);
    }

    /// <summary>Segment and piece-level evaluation on the test split; writes evaluation.json (and CSVs) beside the
    /// run.</summary>
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, string runDir)
    {
        var r = Evaluator.Evaluate(model, TestSet, Data.Classes, 0, Device);
        Report.WriteEvaluation(runDir, r, Source.Name, ReportSplit, ChoiceOf(runDir));
        return r;
    }

    public string BaselinePath => Path.Combine(OutDir, "baseline.json");

    /// <summary>The histogram baseline and the 4-scalar one, fitted on train and scored on test; writes
    /// baseline.json.</summary>
    public IReadOnlyList<BaselineFigures> Baselines()
    {
        var figures = new[] { BaselineFeatures.Histogram, BaselineFeatures.Scalars }
            .Select(f =>
                new HistogramBaseline(f, Seed).Figures(Data.Train, Data.Validation, TestSet, Data.Classes, ReportSplit)
            )
            .ToList();
        JsonFiles.Write(BaselinePath, figures);
        foreach (var b in figures)
            Say(
                $"baseline ({b.Features}), test: segment {b.SegmentAccuracy:P1}, piece {b.PieceAccuracy:P1}, weighted "
                    + $"F1 {b.WeightedF1:F3}"
            );
        return figures;
    }

    public IReadOnlyList<BaselineFigures> ReadBaselines() =>
        JsonFiles.Read<List<BaselineFigures>>(Require(BaselinePath, "the baseline step (03-evaluation)"));

    /// <summary>FGSM and PGD over <see cref="Epsilons"/> on the test split; writes attacks.json and attacks.csv; saves
    /// MIDI pairs at the adversarial-training ε. ε = 0 is not attacked: its figures are the clean ones.</summary>
    public List<AttackFigures> Sweep(nn.Module<Tensor, Tensor> model, IEnumerable<string>? attacks = null)
    {
        var rows = new List<AttackFigures>();
        foreach (var name in attacks ?? ["fgsm", "pgd"])
        foreach (var eps in Epsilons)
        {
            var r = RunAttack(
                model,
                AttackFactory.Create(name, eps, PgdSteps, Seed),
                eps == AdversarialEps ? ExamplesDir : null
            );
            rows.Add(AttackFigures.From(r));
            Say(
                $"{name} ε={eps} (test): robust {r.SegmentRobustAccuracy:P1} (piece {r.PieceRobustAccuracy:P1}), "
                    + $"success {r.SuccessRate:P1}, realised {r.RealizedSuccessRate:P1}"
            );
        }
        JsonFiles.Write(AttacksPath, rows);
        Pipeline.WriteAttacksCsv(Path.Combine(OutDir, "attacks.csv"), rows);
        return rows;
    }

    /// <summary>One attack on the test split; its budget is the attack's own.</summary>
    public AttackResult RunAttack(nn.Module<Tensor, Tensor> model, Attack attack, string? saveMidiDir = null) =>
        AttackEvaluator.Run(model, TestSet, Data.Classes, attack, 16, Device, saveMidiDir);

    public List<AttackFigures> ReadSweep() =>
        JsonFiles.Read<List<AttackFigures>>(Require(AttacksPath, "the attack sweep (04-attacks-fgsm-pgd)"));

    /// <summary>Clean and PGD-robust accuracy (test split) of the base and the retrained model at the same ε; writes
    /// robustness.json.</summary>
    public AdversarialTrainingFigures CompareRobustness(
        nn.Module<Tensor, Tensor> baseModel,
        nn.Module<Tensor, Tensor> retrained
    )
    {
        // Long by design: the two models go through the same attack, then one record and one file.
        var pgd = AttackFactory.Create("pgd", AdversarialEps, PgdSteps, Seed);
        var before = RunAttack(baseModel, pgd);
        var after = RunAttack(retrained, pgd);
        var figures = new AdversarialTrainingFigures(
            "pgd",
            AdversarialEps,
            AdversarialMix,
            new RobustFigures(before.CleanAccuracy, before.SegmentRobustAccuracy, before.PieceRobustAccuracy),
            new RobustFigures(after.CleanAccuracy, after.SegmentRobustAccuracy, after.PieceRobustAccuracy)
        )
        {
            Method = Method,
            RealizedBase = before.RealizedSegmentAccuracy,
            RealizedRetrained = after.RealizedSegmentAccuracy,
        };
        Directory.CreateDirectory(AdvDir);
        JsonFiles.Write(RobustnessPath, figures);
        Say(
            $"PGD ε={AdversarialEps} (test): base robust {before.SegmentRobustAccuracy:P1} → retrained "
                + $"{after.SegmentRobustAccuracy:P1} "
                + $"(clean {before.CleanAccuracy:P1} → {after.CleanAccuracy:P1})"
        );
        return figures;
    }

    /// <summary>Assembles report.json from the files the steps wrote.</summary>
    public PipelineReport WriteReport(double seconds = 0)
    {
        var eval = JsonDocument
            .Parse(
                File.ReadAllText(
                    Require(Path.Combine(BaseDir, "evaluation.json"), "the evaluation step (03-evaluation)")
                )
            )
            .RootElement;
        var baselines = File.Exists(BaselinePath) ? ReadBaselines() : Baselines();
        var robustness = JsonFiles.Read<AdversarialTrainingFigures>(
            Require(RobustnessPath, "the adversarial-training step (05-adversarial-training)")
        );
        var report = new PipelineReport(
            Profile,
            Source.Name,
            Data.Classes,
            Settings.Arch,
            Data.Train.Pieces.Count,
            Data.Validation.Pieces.Count,
            new CleanFigures(
                eval.GetProperty("segment_accuracy").GetDouble(),
                eval.GetProperty("piece_accuracy").GetDouble(),
                eval.GetProperty("weighted_f1").GetDouble()
            ),
            ReadSweep(),
            robustness,
            Math.Round(seconds, 1)
        )
        {
            Split = ReportSplit,
            TestPieces = Data.Test.Pieces.Count,
            SplitMode = Data.Split.Mode.ToString().ToLowerInvariant(),
            Checkpoint = ChoiceOf(BaseDir),
            Seed = Seed,
            Baseline = baselines[0],
            ScalarBaseline = baselines[1],
            EncodeFailures = Data.Failed.Count,
        };
        JsonFiles.Write(ReportPath, report);
        Say($"report → {ReportPath}");
        return report;
    }

    void Say(string s) => Log?.Invoke(s);
}

using MidiGenre.Baselines;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using MidiGenre.Training;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>A required file of an earlier step is missing; says which notebook or command produces it.</summary>
public sealed class MissingStepException(string path, string producedBy)
    : Exception(
        $"{path} is missing: run {producedBy} first (`midigenre pipeline`, or the notebook of that step, with the same "
            + "profile and output folder)"
    );

/// <summary>
/// One experiment's steps and files, shared by `midigenre pipeline` and the notebooks: each step writes its result
/// under <see cref="OutDir"/> (base/, advtrain/, attacks.json, robustness.json, report.json) and later steps read
/// them, so any notebook can be re-run alone and a crashed run resumes.
/// </summary>
public sealed partial class Study
{
    /// <summary>What this study runs, decided once (<see cref="RunSpec"/>); the properties below read it.</summary>
    public RunSpec Spec { get; }
    public Profile Profile => Spec.Profile;
    public string OutDir => Spec.OutDir;
    public DataSource Source => Spec.Source;
    public int Seed => Spec.Seed;
    public TrainSettings Settings => Spec.Training;
    public IReadOnlyList<double> Epsilons => Spec.Sweep.Budgets;
    public double AdversarialEps => Spec.Defense.Eps;
    public double AdversarialMix => Spec.Defense.Mix;

    /// <summary>pgd (Madry et al.; the default), fast (FGSM with random start, Wong et al. 2020, with its overfitting
    /// guard), free (Shafahi et al. 2019) or trades (Zhang et al. 2019); the cheap ones are 2–4× faster on the cpu
    /// profile but, measured there, much less robust (README, adversarial-training table).</summary>
    public string AdversarialMethod => Spec.Defense.Name;

    /// <summary>PGD steps of the attack sweeps: 5 on smoke, else 10.</summary>
    public int PgdSteps => Spec.Sweep.Steps;

    /// <summary>The defense <see cref="TrainAdversarial"/> trains with: the spec's, or <paramref name="method"/>'s with
    /// the same ε, mix and seed and that method's default steps.</summary>
    public DefenseSpec Defense(string? method = null) => method == null ? Spec.Defense : Spec.DefenseFor(method);

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

    public Study(RunSpec spec) => Spec = spec;

    /// <summary>Which checkpoint of a run the steps use: "best" (best validation performance F1; the default
    /// everywhere) or "last".</summary>
    public string Checkpoint => Spec.Checkpoint;

    /// <summary>The split every reported figure comes from.</summary>
    public const string ReportSplit = "test";

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

    /// <summary>Segment and performance-level evaluation on the test split; writes evaluation.json (and CSVs) beside
    /// the run.</summary>
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, string runDir)
    {
        var r = Evaluator.Evaluate(model, TestSet, Data.Classes);
        Report.WriteEvaluation(runDir, r, Source.Name, ReportSplit, ChoiceOf(runDir));
        return r;
    }

    public string BaselinePath => Path.Combine(OutDir, "baseline.json");

    /// <summary>The baselines (<see cref="Yardsticks"/>: music features + boosted trees, histograms + 4 scalars, 4
    /// scalars), fitted on train and scored on test; writes baseline.json.</summary>
    public IReadOnlyList<BaselineFigures> Baselines()
    {
        var figures = Yardsticks.Fit(Data.Train, Data.Validation, TestSet, Data.Classes, Seed, ReportSplit);
        JsonFiles.Write(BaselinePath, new BaselineFile(BaselineStamp, figures));
        foreach (var b in figures)
            Say(
                $"baseline ({b.Features}), test: segment {b.SegmentAccuracy:P1}, performance "
                    + $"{b.PerformanceAccuracy:P1}, weighted "
                    + $"F1 {b.WeightedF1:F3}"
            );
        return figures;
    }

    /// <summary>The baselines as 03-evaluation wrote them; refused when written for another data or seed.</summary>
    public IReadOnlyList<BaselineFigures> ReadBaselines()
    {
        const string producer = "the baseline step (03-evaluation)";
        var file = ReadBaselineFile(Require(BaselinePath, producer));
        ResultStamp.Check(file?.Stamp, BaselineStamp, BaselinePath, producer);
        return file!.Figures;
    }

    /// <summary>The baselines of this run: baseline.json when it was written for this data and seed, else fitted
    /// again (and the file rewritten).</summary>
    public IReadOnlyList<BaselineFigures> BaselinesReusedOrFitted()
    {
        if (File.Exists(BaselinePath) && ReadBaselineFile(BaselinePath) is { } file)
        {
            var d = file.Stamp?.DifferencesFrom(BaselineStamp) ?? ["no stamp"];
            if (d.Count == 0)
                return file.Figures;
            Say($"baseline.json was written by another run ({string.Join("; ", d)}): fitting the baselines again");
        }
        return Baselines();
    }

    /// <summary>Null for a file in the old shape (a bare list, no stamp).</summary>
    static BaselineFile? ReadBaselineFile(string path) =>
        File.ReadAllText(path).TrimStart().StartsWith('[') ? null : JsonFiles.Read<BaselineFile>(path);

    void Say(string s) => Log?.Invoke(s);
}

/// <summary>baseline.json: the baselines' figures and what produced them.</summary>
public sealed record BaselineFile(ResultStamp? Stamp, List<BaselineFigures> Figures);

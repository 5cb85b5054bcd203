using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Training;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>What a training run reports while it runs: progress per batch, a line per epoch, why it stopped
/// early. The faces (a Spectre progress bar, a notebook's live line) only render these.</summary>
public sealed record TrainingReports
{
    public Action<TrainProgress>? OnProgress { get; init; }
    public Action<EpochMetrics>? OnEpoch { get; init; }
    public Action<string>? OnStop { get; init; }
}

/// <summary>
/// One training run, described once: the profile's settings, the defense it trains against (<see
/// cref="DefenseSpec.None"/> for a plain run), where it writes, and the weights it starts from. `train`, `advtrain`,
/// the notebooks and `pipeline` (through <see cref="Study"/>) all build one and call <see cref="Run"/>: the epochs a
/// defense trains, its hooks and the start recorded in the checkpoint are decided here and nowhere else.
/// </summary>
public sealed record TrainingRun(TrainSettings Settings, DefenseSpec Defense, string OutDir)
{
    /// <summary>A checkpoint folder (a run's best/ or last/) whose weights the run starts from; required when the
    /// defense fine-tunes, refused otherwise (a fresh run that silently started elsewhere would be
    /// mislabelled).</summary>
    public string? StartFrom
    {
        get;
        init => field = value is null ? null : CheckStart(value);
    }

    /// <summary>What the checkpoint calls the start ("base model"); its weights' hash is added.</summary>
    public string StartName { get; init; } = "";

    public Device? Device { get; init; }

    /// <summary>Resume even though settings, data or defense differ from the checkpoint's
    /// (`--allow-changes`).</summary>
    public bool AllowChangedSettings { get; init; }

    /// <summary>A defense fine-tuned from <paramref name="fromCheckpoint"/>.</summary>
    public static TrainingRun FineTuned(
        TrainSettings settings,
        DefenseSpec defense,
        string outDir,
        string fromCheckpoint,
        string name
    ) => new(settings, defense with { FineTune = true }, outDir) { StartFrom = fromCheckpoint, StartName = name };

    /// <summary>The settings the trainer runs: the profile's, with the epochs the defense trains.</summary>
    public TrainSettings Effective => Settings with { Epochs = Defense.EpochsFor(Settings.Epochs) };

    /// <summary>"adversarially (pgd …), fine-tuned from base model" or "without a defense", for logs (the start's
    /// weights are hashed once, for the checkpoint: <see cref="Trainer"/>).</summary>
    public string Describe() =>
        (Defense == DefenseSpec.None ? "without a defense" : $"adversarially ({Defense})")
        + (StartFrom is null ? "" : $", fine-tuned from {StartShown}");

    string StartShown => StartName.Length > 0 ? StartName : Path.GetFullPath(StartFrom!);

    /// <summary>What the checkpoint records as the start: its name and its weights' hash.</summary>
    string? Label =>
        StartFrom is null
            ? null
            : $"{StartShown}, weights " + Common.ResultStamp.HashOf(Path.Combine(StartFrom, "model.bin"));

    static string CheckStart(string dir) =>
        File.Exists(Path.Combine(dir, "model.bin"))
            ? dir
            : throw new MissingStepException(Path.Combine(dir, "model.bin"), "the training of the run to start from");

    /// <summary>The trainer for this run on <paramref name="data"/>, reporting to <paramref name="reports"/>.</summary>
    public Trainer Trainer(ExperimentData data, TrainingReports? reports = null)
    {
        if (Defense.FineTune != (StartFrom != null))
            throw new RunSpecException(
                Defense.FineTune
                    ? $"the {Defense.Name} defense fine-tunes, but no run to start from was given"
                    : "a start was given to a run that does not fine-tune (FineTune off)"
            );
        return new Trainer(Effective, data.Classes, OutDir, data.Source.Name)
        {
            Device = Device ?? Models.ModelFactory.DefaultDevice(),
            Source = data.Source,
            Hooks = Defense.Hooks(data.Validation),
            StartFrom = StartFrom,
            StartLabel = Label,
            AllowChangedSettings = AllowChangedSettings,
            OnProgress = reports?.OnProgress,
            OnEpoch = reports?.OnEpoch,
            OnStop = reports?.OnStop,
        };
    }

    /// <summary>Trains (resuming the run in <see cref="OutDir"/> when <paramref name="resume"/>) and returns what the
    /// run recorded.</summary>
    public CheckpointMeta Run(ExperimentData data, TrainingReports? reports = null, bool resume = false)
    {
        var (model, meta) = Trainer(data, reports).Run(data.Train, data.Validation, resume);
        model.Dispose();
        return meta;
    }
}

using System.Text.Json;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>Per-epoch figures, as written to metrics.csv and kept in checkpoints.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    double TrainAccuracy,
    double ValSegmentAccuracy,
    double ValPerformanceAccuracy,
    double ValWeightedF1,
    double SegmentsPerSecond,
    double Seconds
)
{
    /// <summary>Mean cross-entropy on the validation segments (nats); NaN in checkpoints written before it was
    /// recorded.</summary>
    public double ValLoss { get; init; } = double.NaN;

    /// <summary>Share of the fixed validation segments of <see cref="TrainingHooks.RobustValidation"/> that PGD at the
    /// defense's ε leaves correct (adversarial training); null when the run measured none.</summary>
    public double? ValRobustAccuracy { get; init; }

    /// <summary>Share of the same segments classified correctly without the attack: the clean figure the robust one
    /// is compared with (the whole split's is <see cref="ValSegmentAccuracy"/>).</summary>
    public double? ValRobustCleanAccuracy { get; init; }
}

/// <summary>What a checkpoint folder's meta.json holds: everything that must match when the model is used again —
/// classes in output order, settings (architecture, input channels, seed), the data (corpus, label column, split,
/// encoder options), the segment spec and the adversarial-training settings.</summary>
public sealed record CheckpointMeta(
    TrainSettings Settings,
    IReadOnlyList<string> Classes,
    int Epoch,
    List<EpochMetrics> History,
    double BestF1,
    int BestEpoch,
    string Dataset
)
{
    public DataSource? Source { get; init; }
    public SegmentSpec? Segments { get; init; }
    public DefenseSettings? Defense { get; init; }

    /// <summary>Why training stopped before its last epoch (e.g. the catastrophic-overfitting guard), if it
    /// did.</summary>
    public string? StoppedEarly { get; init; }

    /// <summary>The weights training started from when it fine-tuned another run (null: a fresh
    /// initialisation).</summary>
    public string? StartedFrom { get; init; }

    /// <summary>How the best epoch was chosen (<see cref="BestEpoch"/>); null in checkpoints written before it was
    /// recorded (they chose by F1). <see cref="BestF1"/> is the kept epoch's F1.</summary>
    public string? BestRule { get; init; }

    /// <summary>The kept epoch's robust validation accuracy, when the run measured one.</summary>
    public double? BestRobustAccuracy { get; init; }

    /// <summary>"best" or "last": which of the run's checkpoints this folder is (set when loaded).</summary>
    public string? Which { get; init; }

    /// <summary>The segment spec to use this checkpoint with (older checkpoints: from the settings).</summary>
    public SegmentSpec SegmentSpec => Segments ?? new SegmentSpec(Settings.SegmentsPerPiece);

    /// <summary>What the model expects of a MIDI file (for <see cref="Evaluation.Predictor"/>).</summary>
    public Evaluation.ModelInput Input =>
        new(Classes, SegmentSpec, Settings.InputChannels, Source?.Encoding ?? EncodeOptions.Default);
}

/// <summary>Adversarial-training settings of a run (method pgd, fast or trades; see Defenses).</summary>
public sealed record DefenseSettings(string Method, double Eps, int Steps, double Mix, double Beta);

/// <summary>A checkpoint folder exists but cannot be read (truncated or foreign files).</summary>
public sealed class CorruptCheckpointException(string dir, string reason)
    : Exception(
        $"{dir}: unreadable checkpoint ({reason}); train it again with `midigenre train --out …`, or pass another run"
    );

/// <summary>--resume with settings, data or defense that differ from the checkpoint's.</summary>
public sealed class ResumeMismatchException(
    string dir,
    IReadOnlyList<string> changes,
    string advice = "Use a new --out, drop --resume, or pass --allow-changes to continue with the new settings."
) : Exception($"{dir} was trained with other settings: {string.Join("; ", changes)}. {advice}")
{
    public IReadOnlyList<string> Changes { get; } = changes;
}

/// <summary>What differs between a checkpoint and a run that wants to continue it.</summary>
public static class RunChanges
{
    public static List<string> Between(CheckpointMeta saved, CheckpointMeta current)
    {
        var changes = new List<string>();
        void Compare<T>(string what, T before, T now)
        {
            string b = System.Text.Json.JsonSerializer.Serialize(before),
                n = System.Text.Json.JsonSerializer.Serialize(now);
            if (b != n)
                changes.Add($"{what}: {b} → {n}");
        }
        // Threads change speed, not the run.
        foreach (var prop in typeof(TrainSettings).GetProperties().Where(p => p.Name != nameof(TrainSettings.Threads)))
            Compare(prop.Name, prop.GetValue(saved.Settings), prop.GetValue(current.Settings));
        Compare("classes", saved.Classes, current.Classes);
        if (saved.Source != null && current.Source != null)
            Compare("data", saved.Source, current.Source);
        Compare("segments", saved.Segments, current.Segments);
        Compare("defense", saved.Defense, current.Defense);
        Compare("start", saved.StartedFrom ?? "fresh initialisation", current.StartedFrom ?? "fresh initialisation");
        return changes;
    }
}

/// <summary>
/// A checkpoint is a folder: model.bin (TorchSharp format), optimizer.bin, meta.json. It is written to a temporary
/// folder and renamed into place, so a run killed mid-write leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(
        string dir,
        nn.Module model,
        TorchSharp.Modules.OptimizerHelper? optimizer,
        CheckpointMeta meta
    )
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(dir)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(tmp);
        model.save(Path.Combine(tmp, "model.bin"));
        if (optimizer != null)
            optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        File.WriteAllText(Path.Combine(tmp, "meta.json"), JsonSerializer.Serialize(meta, Json));
        string old = dir + ".old";
        if (Directory.Exists(old))
            Directory.Delete(old, true);
        if (Directory.Exists(dir))
            Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        if (Directory.Exists(old))
            Directory.Delete(old, true);
    }

    /// <summary>Rewrites a checkpoint's meta.json in place (atomically), e.g. to record an early stop.</summary>
    public static void WriteMeta(string dir, CheckpointMeta meta)
    {
        if (Directory.Exists(dir))
            AtomicFile.WriteAllText(Path.Combine(dir, "meta.json"), JsonSerializer.Serialize(meta, Json));
    }

    public static CheckpointMeta ReadMeta(string dir, string which = "best")
    {
        dir = ResolveDir(dir, which);
        string path = Path.Combine(dir, "meta.json");
        try
        {
            var meta =
                JsonSerializer.Deserialize<CheckpointMeta>(JsonFiles.UpgradeKeys(File.ReadAllText(path)), Json)
                ?? throw new CorruptCheckpointException(dir, "meta.json is empty");
            return meta with { Which = Path.GetFileName(dir) is "best" or "last" ? Path.GetFileName(dir) : meta.Which };
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException(dir, "meta.json: " + e.Message);
        }
    }

    /// <summary>
    /// A crash between the two renames of <see cref="Save"/> leaves only <c>DIR.old</c>: moves it back into place.
    /// </summary>
    public static void Recover(string dir)
    {
        string old = dir + ".old";
        if (!File.Exists(Path.Combine(dir, "meta.json")) && File.Exists(Path.Combine(old, "meta.json")))
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, true);
            Directory.Move(old, dir);
        }
    }

    /// <summary>The checkpoint folder to use: a checkpoint folder as given, or a run folder's best/ (the epoch with the
    /// best validation performance F1 — the default everywhere) or last/ (<paramref name="which"/>).</summary>
    public static string ResolveDir(string dir, string which = "best")
    {
        if (which is not ("best" or "last"))
            throw new ArgumentException($"--checkpoint '{which}': best or last");
        Recover(dir);
        if (File.Exists(Path.Combine(dir, "meta.json")))
            return dir;
        string chosen = Path.Combine(dir, which);
        Recover(chosen);
        if (File.Exists(Path.Combine(chosen, "meta.json")))
            return chosen;
        throw new FileNotFoundException(
            Directory.Exists(dir)
                ? $"no {which}/ checkpoint in {dir} (expected {which}/meta.json); train "
                    + $"one with `midigenre train --out {dir}`"
                : $"{dir} does not exist; pass a run folder written by `midigenre train` (or advtrain/pipeline)"
        );
    }

    /// <summary>Loads a model for inference (eval mode) on <paramref name="device"/>.</summary>
    public static (nn.Module<Tensor, Tensor> Model, CheckpointMeta Meta) LoadModel(
        string dir,
        Device? device = null,
        string which = "best"
    )
    {
        dir = ResolveDir(dir, which);
        var meta = ReadMeta(dir);
        var model = ModelFactory.Create(meta.Settings.Arch, meta.Settings.InputChannels, meta.Classes.Count);
        try
        {
            model.load(Path.Combine(dir, "model.bin"));
        }
        catch (Exception e)
            when (e
                    is IOException
                        or ArgumentException
                        or InvalidOperationException
                        or EndOfStreamException
                        or FormatException
                        or NotImplementedException
            )
        {
            throw new CorruptCheckpointException(dir, "model.bin: " + e.Message);
        }
        if (device != null)
            ModelDevice.Place(model, device);
        model.eval();
        return (model, meta);
    }

    /// <summary>PyTorch-compatible state dict (torch.load in Python; names as torchvision).</summary>
    public static void ExportPyTorch(nn.Module model, string path) => model.save_py(path);

    public static void ImportPyTorch(nn.Module model, string path) => model.load_py(path);

    public static void ExportSafetensors(nn.Module model, string path) => model.save_safetensors(path);

    public static void ImportSafetensors(nn.Module model, string path) => model.load_safetensors(path);
}

using System.Text.Json;
using MidiGenre.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>Per-epoch figures, as written to metrics.csv and kept in checkpoints.</summary>
public sealed record EpochMetrics(int Epoch, double LearningRate, double TrainLoss, double TrainAccuracy, double ValSegmentAccuracy,
    double ValPieceAccuracy, double ValWeightedF1, double SegmentsPerSecond, double Seconds);

/// <summary>What a checkpoint folder's meta.json holds.</summary>
public sealed record CheckpointMeta(TrainSettings Settings, IReadOnlyList<string> Classes, int Epoch, List<EpochMetrics> History,
    double BestF1, int BestEpoch, string Dataset);

/// <summary>
/// A checkpoint is a folder: model.bin (TorchSharp format), optimizer.bin, meta.json. It is written to a temporary
/// folder and renamed into place, so a run killed mid-write leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(string dir, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, CheckpointMeta meta)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(dir)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(tmp);
        model.save(Path.Combine(tmp, "model.bin"));
        if (optimizer != null) optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        File.WriteAllText(Path.Combine(tmp, "meta.json"), JsonSerializer.Serialize(meta, Json));
        string old = dir + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    public static CheckpointMeta ReadMeta(string dir)
    {
        string path = Path.Combine(ResolveDir(dir), "meta.json");
        return JsonSerializer.Deserialize<CheckpointMeta>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
    }

    /// <summary>Accepts a run folder (uses its best/ or last/) or a checkpoint folder; recovers from a swap cut short.</summary>
    public static string ResolveDir(string dir)
    {
        foreach (var candidate in new[] { dir, Path.Combine(dir, "best"), Path.Combine(dir, "last"), dir + ".old" })
            if (File.Exists(Path.Combine(candidate, "meta.json"))) return candidate;
        throw new FileNotFoundException($"no checkpoint in {dir} (expected meta.json); train one with `midigenre train`");
    }

    /// <summary>Loads a model for inference (eval mode) on <paramref name="device"/>.</summary>
    public static (nn.Module<Tensor, Tensor> Model, CheckpointMeta Meta) LoadModel(string dir, Device? device = null)
    {
        dir = ResolveDir(dir);
        var meta = ReadMeta(dir);
        var model = ModelFactory.Create(meta.Settings.Arch, meta.Settings.InputChannels, meta.Classes.Count);
        model.load(Path.Combine(dir, "model.bin"));
        if (device != null) model.to(device);
        model.eval();
        return (model, meta);
    }

    /// <summary>PyTorch-compatible state dict (torch.load in Python; names as torchvision).</summary>
    public static void ExportPyTorch(nn.Module model, string path) => model.save_py(path);
    public static void ImportPyTorch(nn.Module model, string path) => model.load_py(path);
    public static void ExportSafetensors(nn.Module model, string path) => model.save_safetensors(path);
    public static void ImportSafetensors(nn.Module model, string path) => model.load_safetensors(path);
}

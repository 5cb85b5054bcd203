using System.Diagnostics;
using System.Globalization;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>Live progress of a training step.</summary>
public readonly record struct TrainProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double SegmentsPerSecond);

/// <summary>
/// Supervised training with per-epoch validation, atomic checkpoints (last/ every epoch, best/ by validation piece F1),
/// metrics.csv and TensorBoard events. Data order, crops and the learning-rate schedule are functions of (seed, epoch),
/// so <c>resume</c> continues a killed run to the same weights an uninterrupted run reaches on CPU.
/// </summary>
public sealed class Trainer(TrainSettings settings, IReadOnlyList<string> classes, string outDir, string dataset = "synthetic")
{
    public TrainSettings Settings { get; } = settings;
    public string OutDir { get; } = outDir;
    public string LastDir => Path.Combine(OutDir, "last");
    public string BestDir => Path.Combine(OutDir, "best");
    public Device Device { get; init; } = ModelFactory.DefaultDevice();
    public Action<TrainProgress>? OnProgress { get; init; }
    public Action<EpochMetrics>? OnEpoch { get; init; }
    /// <summary>Stop after this many epochs in this call (tests use it to simulate a killed run).</summary>
    public int? StopAfterEpochs { get; init; }

    /// <summary>Turns a clean batch into the batch to train on (adversarial training plugs in here).</summary>
    public Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>? BatchTransform { get; init; }

    /// <summary>Replaces cross-entropy on the (transformed) batch: returns the loss and the logits of the clean batch (TRADES uses it).</summary>
    public Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, (Tensor Loss, Tensor Logits)>? Objective { get; init; }

    public static void ConfigureThreads(int? threads)
    {
        if (threads is int t) torch.set_num_threads(t);
        else if (!cuda.is_available()) torch.set_num_threads(Environment.ProcessorCount);
    }

    public nn.Module<Tensor, Tensor> CreateModel()
    {
        torch.manual_seed(Settings.Seed);
        var model = ModelFactory.Create(Settings.Arch, Settings.InputChannels, classes.Count, Settings.ZeroInitResidual);
        return model.to(Device);
    }

    TorchSharp.Modules.OptimizerHelper CreateOptimizer(nn.Module model) => Settings.Optimizer switch
    {
        "sgd" => optim.SGD(model.parameters(), Settings.LearningRate, Settings.Momentum, weight_decay: Settings.WeightDecay, nesterov: Settings.Nesterov),
        "adam" => optim.Adam(model.parameters(), Settings.LearningRate, weight_decay: Settings.WeightDecay),
        "adamw" => optim.AdamW(model.parameters(), Settings.LearningRate, weight_decay: Settings.WeightDecay),
        _ => throw new ArgumentException($"unknown optimizer '{Settings.Optimizer}': sgd, adam or adamw"),
    };

    public double LearningRateAt(int epoch) => Settings.Schedule == "cosine"
        ? Settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Settings.Epochs))
        : Settings.LearningRate;

    /// <summary>Trains (or resumes, when <paramref name="resume"/> and last/ exists) and returns the final model and history.</summary>
    public (nn.Module<Tensor, Tensor> Model, CheckpointMeta Meta) Run(SegmentDataset train, SegmentDataset validation, bool resume = false)
    {
        ConfigureThreads(Settings.Threads);
        Directory.CreateDirectory(OutDir);
        var model = CreateModel();
        var optimizer = CreateOptimizer(model);
        var meta = new CheckpointMeta(Settings, classes, 0, [], -1, -1, dataset);
        if (resume && File.Exists(Path.Combine(LastDir, "meta.json")))
        {
            meta = Checkpoint.ReadMeta(LastDir);
            if (meta.Settings with { Epochs = Settings.Epochs, Threads = Settings.Threads } != Settings with { Threads = Settings.Threads })
                throw new InvalidOperationException($"{LastDir} was trained with other settings; use a new --out or drop --resume");
            model.load(Path.Combine(LastDir, "model.bin"));
            optimizer.load_state_dict(Path.Combine(LastDir, "optimizer.bin"));
        }
        var writer = torch.utils.tensorboard.SummaryWriter(Path.Combine(OutDir, "tensorboard"));
        var lossFn = nn.CrossEntropyLoss();
        int stopAt = StopAfterEpochs is int s ? Math.Min(Settings.Epochs, meta.Epoch + s) : Settings.Epochs;
        for (int epoch = meta.Epoch; epoch < stopAt; epoch++)
        {
            double lr = LearningRateAt(epoch);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var sw = Stopwatch.StartNew();
            model.train();
            double lossSum = 0; long correct = 0, seen = 0;
            int batches = (train.Count + Settings.BatchSize - 1) / Settings.BatchSize, b = 0;
            var aug = new Augmentation(true, Settings.MaxTranspose);
            foreach (var (x, y, _) in train.Batches(Settings.BatchSize, aug, Settings.Seed, epoch, Device, shuffle: true))
            {
                using var ownX = x; using var ownY = y; // the batch is created outside this step's scope
                using var scope = NewDisposeScope();
                Tensor loss, logits;
                if (Objective != null)
                {
                    optimizer.zero_grad();
                    (loss, logits) = Objective(model, x, y);
                }
                else
                {
                    var input = BatchTransform?.Invoke(model, x, y) ?? x;
                    model.train();
                    optimizer.zero_grad();
                    logits = model.forward(input);
                    loss = lossFn.forward(logits, y);
                }
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * y.shape[0];
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += y.shape[0];
                b++;
                OnProgress?.Invoke(new TrainProgress(epoch + 1, Settings.Epochs, b, batches, lossSum / seen, correct / (double)seen, seen / sw.Elapsed.TotalSeconds));
            }
            double trainSeconds = sw.Elapsed.TotalSeconds;
            var eval = Evaluator.Evaluate(model, validation, classes, 0, Device);
            var m = new EpochMetrics(epoch + 1, lr, lossSum / Math.Max(1, seen), correct / (double)Math.Max(1, seen), eval.Segment.Accuracy,
                eval.Piece.Accuracy, eval.Piece.WeightedF1, seen / trainSeconds, sw.Elapsed.TotalSeconds);
            meta.History.Add(m);
            bool best = m.ValWeightedF1 > meta.BestF1;
            meta = meta with { Epoch = epoch + 1, BestF1 = best ? m.ValWeightedF1 : meta.BestF1, BestEpoch = best ? epoch + 1 : meta.BestEpoch };
            Checkpoint.Save(LastDir, model, optimizer, meta);
            if (best) Checkpoint.Save(BestDir, model, null, meta);
            WriteMetricsCsv(meta.History);
            writer.add_scalar("train/loss", (float)m.TrainLoss, m.Epoch);
            writer.add_scalar("train/accuracy", (float)m.TrainAccuracy, m.Epoch);
            writer.add_scalar("val/segment_accuracy", (float)m.ValSegmentAccuracy, m.Epoch);
            writer.add_scalar("val/piece_accuracy", (float)m.ValPieceAccuracy, m.Epoch);
            writer.add_scalar("val/weighted_f1", (float)m.ValWeightedF1, m.Epoch);
            writer.add_scalar("lr", (float)lr, m.Epoch);
            OnEpoch?.Invoke(m);
        }
        return (model, meta);
    }

    void WriteMetricsCsv(IEnumerable<EpochMetrics> history)
    {
        var lines = new List<string> { "epoch,lr,train_loss,train_accuracy,val_segment_accuracy,val_piece_accuracy,val_weighted_f1,train_seg_per_s,seconds" };
        lines.AddRange(history.Select(m => string.Join(',', new object[] { m.Epoch, m.LearningRate, m.TrainLoss, m.TrainAccuracy, m.ValSegmentAccuracy,
            m.ValPieceAccuracy, m.ValWeightedF1, m.SegmentsPerSecond, m.Seconds }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))));
        AtomicFile.WriteAllText(Path.Combine(OutDir, "metrics.csv"), string.Join('\n', lines) + "\n");
    }
}

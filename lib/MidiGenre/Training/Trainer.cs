using System.Diagnostics;
using System.Globalization;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>Which optimiser step a hook serves: epoch and batch (0-based) and the replay within the batch. Hooks
/// that draw random numbers derive their stream from it, so every step draws anew and a resumed run draws the
/// same.</summary>
public readonly record struct BatchKey(int Epoch, int Batch, int Replay);

/// <summary>Live progress of a training step.</summary>
public readonly record struct TrainProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    double Accuracy,
    double SegmentsPerSecond
);

/// <summary>
/// Supervised training with per-epoch validation, atomic checkpoints (last/ every epoch, best/ by validation
/// performance F1), metrics.csv and TensorBoard events. Data order, crops and the learning-rate schedule are functions
/// of (seed, epoch), so <c>resume</c> continues a killed run to the same weights an uninterrupted run reaches on CPU.
/// </summary>
public sealed class Trainer(
    TrainSettings settings,
    IReadOnlyList<string> classes,
    string outDir,
    string dataset = "synthetic"
)
{
    public TrainSettings Settings { get; } = settings;
    public string OutDir { get; } = outDir;
    public string LastDir => Path.Combine(OutDir, "last");
    public string BestDir => Path.Combine(OutDir, "best");
    public Device Device { get; init; } = ModelFactory.DefaultDevice();
    public Action<TrainProgress>? OnProgress { get; init; }
    public Action<EpochMetrics>? OnEpoch { get; init; }
    public Action<string>? OnStop { get; init; }

    /// <summary>The data the run trains on, recorded in every checkpoint.</summary>
    public DataSource? Source { get; init; }

    /// <summary>A defense's settings (recorded in every checkpoint) and the hooks that carry it out
    /// (<see cref="TrainingHooks"/>, built by <c>Defenses.DefenseSpec</c>); null = plain training.</summary>
    public TrainingHooks? Hooks { get; init; }

    DefenseSettings? Defense => Hooks?.Settings;

    /// <summary>Resume even when settings, data or defense differ from the checkpoint's (the user asked for
    /// it).</summary>
    public bool AllowChangedSettings { get; init; }

    /// <summary>Fine-tuning: the weights the run starts from (another run's checkpoint folder, e.g. the base model's
    /// best/) instead of a fresh initialisation; recorded in the checkpoint as <see cref="StartLabel"/>, so a run that
    /// started elsewhere is never reused for this one.</summary>
    public string? StartFrom { get; init; }

    /// <summary>How <see cref="StartFrom"/> is named in checkpoints ("base best epoch 7, weights 1a2b…").</summary>
    public string? StartLabel { get; init; }

    /// <summary>Stop after this many epochs in this call (tests use it to simulate a killed run).</summary>
    public int? StopAfterEpochs { get; init; }

    /// <summary>Least time between two progress reports. On a GPU reading the running loss waits for the device, so
    /// it is read when a report is due (every 0.5 s), not at every step; on the CPU it costs nothing and every batch
    /// is reported.</summary>
    TimeSpan ReportEvery => Device.type == DeviceType.CPU ? TimeSpan.Zero : TimeSpan.FromSeconds(0.5);

    static readonly Scalar One = 1.ToScalar();

    public static void ConfigureThreads(int? threads)
    {
        if (threads is int t)
            torch.set_num_threads(t);
        else if (!cuda.is_available())
            torch.set_num_threads(Environment.ProcessorCount);
    }

    public nn.Module<Tensor, Tensor> CreateModel()
    {
        torch.manual_seed(Seeds.Derive(Settings.Seed, "init"));
        var model = ModelFactory.Create(
            Settings.Arch,
            Settings.InputChannels,
            classes.Count,
            Settings.ZeroInitResidual
        );
        return ModelDevice.Place(model, Device);
    }

    TorchSharp.Modules.OptimizerHelper CreateOptimizer(nn.Module model) =>
        Settings.Optimizer switch
        {
            "sgd" => optim.SGD(
                model.parameters(),
                Settings.LearningRate,
                Settings.Momentum,
                weight_decay: Settings.WeightDecay,
                nesterov: Settings.Nesterov
            ),
            "adam" => optim.Adam(model.parameters(), Settings.LearningRate, weight_decay: Settings.WeightDecay),
            "adamw" => optim.AdamW(model.parameters(), Settings.LearningRate, weight_decay: Settings.WeightDecay),
            _ => throw new ArgumentException($"unknown optimizer '{Settings.Optimizer}': sgd, adam or adamw"),
        };

    /// <summary>What this trainer records in its checkpoints before any epoch: a resumed or reused run is compared
    /// with it (<see cref="RunChanges"/>).</summary>
    public CheckpointMeta Describe(SegmentDataset train) =>
        new(Settings, classes, 0, [], -1, -1, dataset)
        {
            Source = Source,
            Segments = train.Spec,
            Defense = Defense,
            StartedFrom = StartLabel,
        };

    public double LearningRateAt(int epoch) =>
        Settings.Schedule == "cosine"
            ? Settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Settings.Epochs))
            : Settings.LearningRate;

    /// <summary>Trains (or resumes, when <paramref name="resume"/> and last/ exists) and returns the final model and
    /// history. A resumed run must have the same settings, data and defense as the checkpoint, unless
    /// <see cref="AllowChangedSettings"/>: otherwise a <see cref="ResumeMismatchException"/> lists the
    /// differences.</summary>
    public (nn.Module<Tensor, Tensor> Model, CheckpointMeta Meta) Run(
        SegmentDataset train,
        SegmentDataset validation,
        bool resume = false
    )
    {
        // Long by design: the loop reads top to bottom (resume, epochs, checkpoints, early stop); each step a call.
        ConfigureThreads(Settings.Threads);
        Directory.CreateDirectory(OutDir);
        Checkpoint.Recover(LastDir);
        Checkpoint.Recover(BestDir);
        var model = CreateModel();
        var optimizer = CreateOptimizer(model);
        var meta = Describe(train);
        if (resume && File.Exists(Path.Combine(LastDir, "meta.json")))
        {
            var saved = Checkpoint.ReadMeta(LastDir);
            var changes = RunChanges.Between(saved, meta);
            if (changes.Count > 0 && !AllowChangedSettings)
                throw new ResumeMismatchException(LastDir, changes);
            meta = saved with { Settings = Settings, Source = Source ?? saved.Source, Defense = Defense };
            model.load(Path.Combine(LastDir, "model.bin"));
            optimizer.load_state_dict(Path.Combine(LastDir, "optimizer.bin"));
        }
        else if (StartFrom is string start)
            model.load(Path.Combine(start, "model.bin"));
        var writer = new EpochLog(OutDir);
        int stopAt = StopAfterEpochs is int s ? Math.Min(Settings.Epochs, meta.Epoch + s) : Settings.Epochs;
        if (meta.StoppedEarly != null)
            stopAt = meta.Epoch; // a run stopped by its guard is finished
        for (int epoch = meta.Epoch; epoch < stopAt; epoch++)
        {
            var m = RunEpoch(model, optimizer, train, validation, epoch);
            if (Hooks?.StopCheck?.Invoke(m) is string reason)
            {
                meta = meta with { StoppedEarly = reason };
                if (File.Exists(Path.Combine(LastDir, "model.bin")))
                    model.load(Path.Combine(LastDir, "model.bin"));
                Checkpoint.WriteMeta(LastDir, meta);
                OnStop?.Invoke(reason);
                break;
            }
            meta.History.Add(m);
            bool best = BestEpoch.IsBetter(m, meta);
            meta = meta with
            {
                Epoch = epoch + 1,
                BestF1 = best ? m.ValWeightedF1 : meta.BestF1,
                BestEpoch = best ? epoch + 1 : meta.BestEpoch,
                BestRobustAccuracy = best ? m.ValRobustAccuracy : meta.BestRobustAccuracy,
                BestRule = BestEpoch.RuleFor(m),
            };
            Checkpoint.Save(LastDir, model, optimizer, meta);
            if (best)
                Checkpoint.Save(BestDir, model, null, meta);
            WriteMetricsCsv(meta.History);
            writer.Add(m);
            OnEpoch?.Invoke(m);
        }
        return (model, meta);
    }

    /// <summary>One epoch: the seeded batch order of this epoch, then validation. The global torch generator is
    /// re-seeded from (seed, epoch), so anything that draws from it continues identically after a resume.</summary>
    EpochMetrics RunEpoch(
        nn.Module<Tensor, Tensor> model,
        TorchSharp.Modules.OptimizerHelper optimizer,
        SegmentDataset train,
        SegmentDataset validation,
        int epoch
    )
    {
        double lr = LearningRateAt(epoch);
        foreach (var g in optimizer.ParamGroups)
            g.LearningRate = lr;
        torch.manual_seed(Seeds.Derive(Settings.Seed, "epoch", epoch));
        var sw = Stopwatch.StartNew();
        model.train();
        // Running sums stay on the device: the host reads them only for a progress report and at the end.
        using var lossSum = zeros(1, ScalarType.Float64, Device);
        using var correct = zeros(1, ScalarType.Int64, Device);
        long seen = 0;
        int batches = (train.Count + Settings.BatchSize - 1) / Settings.BatchSize,
            b = 0;
        var lastReport = TimeSpan.Zero;
        var aug = new Augmentation(true, Settings.MaxTranspose);
        foreach (var batch in train.Batches(Settings.BatchSize, aug, Settings.Seed, epoch, Device, shuffle: true))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var (loss, logits) = Step(model, optimizer, batch.X, batch.Y, new BatchKey(epoch, b, 0));
            for (int r = 1; r < (Hooks?.Replays ?? 1); r++)
                (loss, logits) = Step(model, optimizer, batch.X, batch.Y, new BatchKey(epoch, b, r));
            // Scalars held in locals: TorchSharp passes a Scalar's handle without keeping the object alive.
            using var size = batch.Y.shape[0].ToScalar();
            lossSum.add_(loss.detach().to_type(ScalarType.Float64), size);
            correct.add_(logits.argmax(1).eq(batch.Y).sum(), One);
            seen += batch.Y.shape[0];
            b++;
            if (OnProgress != null && (b == 1 || b == batches || sw.Elapsed - lastReport >= ReportEvery))
            {
                lastReport = sw.Elapsed;
                OnProgress(
                    new TrainProgress(
                        epoch + 1,
                        Settings.Epochs,
                        b,
                        batches,
                        lossSum.item<double>() / seen,
                        correct.item<long>() / (double)seen,
                        seen / sw.Elapsed.TotalSeconds
                    )
                );
            }
        }
        // The GPU may still be running the last steps the host queued: the epoch's time includes them.
        if (Device.type == DeviceType.CUDA)
            cuda.synchronize();
        double trainSeconds = sw.Elapsed.TotalSeconds;
        var predictions = Evaluator.Predict(model, validation);
        var eval = Evaluator.Score(predictions, classes);
        var robust = Hooks?.RobustValidation?.Invoke(model);
        return new EpochMetrics(
            epoch + 1,
            lr,
            lossSum.item<double>() / Math.Max(1, seen),
            correct.item<long>() / (double)Math.Max(1, seen),
            eval.Segment.Accuracy,
            eval.Performance.Accuracy,
            eval.Performance.WeightedF1,
            seen / trainSeconds,
            sw.Elapsed.TotalSeconds
        )
        {
            ValLoss = predictions.MeanCrossEntropy(),
            ValRobustCleanAccuracy = robust?.Clean,
            ValRobustAccuracy = robust?.Robust,
        };
    }

    /// <summary>One optimiser step on a batch: the objective hook (TRADES), or cross-entropy on the transformed
    /// batch.</summary>
    (Tensor Loss, Tensor Logits) Step(
        nn.Module<Tensor, Tensor> model,
        TorchSharp.Modules.OptimizerHelper optimizer,
        Tensor x,
        Tensor y,
        BatchKey key
    )
    {
        Tensor loss,
            logits;
        if (Hooks?.Objective is { } objective)
        {
            optimizer.zero_grad();
            (loss, logits) = objective(model, x, y, key);
        }
        else
        {
            var input = Hooks?.BatchTransform?.Invoke(model, x, y, key) ?? x;
            model.train();
            optimizer.zero_grad();
            logits = model.forward(input);
            loss = nn.functional.cross_entropy(logits, y);
        }
        loss.backward();
        Hooks?.AfterBackward?.Invoke();
        optimizer.step();
        return (loss, logits);
    }

    void WriteMetricsCsv(IEnumerable<EpochMetrics> history)
    {
        var lines = new List<string>
        {
            "epoch,lr,train_loss,train_accuracy,val_segment_accuracy,val_performance_accuracy,val_weighted_f1,val_loss,"
                + "val_robust_clean_accuracy,val_robust_accuracy,train_seg_per_s,seconds",
        };
        lines.AddRange(
            history.Select(m =>
                string.Join(
                    ',',
                    new object?[]
                    {
                        m.Epoch,
                        m.LearningRate,
                        m.TrainLoss,
                        m.TrainAccuracy,
                        m.ValSegmentAccuracy,
                        m.ValPerformanceAccuracy,
                        m.ValWeightedF1,
                        m.ValLoss,
                        (object?)m.ValRobustCleanAccuracy ?? "", // empty: not measured (clean training)
                        (object?)m.ValRobustAccuracy ?? "",
                        m.SegmentsPerSecond,
                        m.Seconds,
                    }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))
                )
            )
        );
        AtomicFile.WriteAllText(Path.Combine(OutDir, "metrics.csv"), string.Join('\n', lines) + "\n");
    }
}

using System.CommandLine;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Encoding;
using MidiGenre.Experiments;
using MidiGenre.Training;
using Spectre.Console;

namespace MidiGenre.Cli.Commands;

static class TrainCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var o = new TrainOptions();
        var cmd = new Command(
            "train",
            "Train a classifier (ResNet/ConvNet) on the corpus's train split; validates every epoch "
                + "(validation split: metrics.csv, best/ = best validation performance F1) and "
                + "checkpoints into --out (last/, best/), "
                + "with TensorBoard events. The test split is left for evaluate/attack."
        );
        o.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var settings = o.Settings(r);
                var data = o.LoadData(r, settings);
                Train(data, o.Run(r, settings, DefenseSpec.None), r.GetValue(o.Resume));
                return 0;
            })
        );
        return cmd;
    }

    /// <summary>Runs <paramref name="run"/> with a progress bar and a line per epoch (the library decides the
    /// rest).</summary>
    public static CheckpointMeta Train(ExperimentData data, TrainingRun run, bool resume)
    {
        var settings = run.Effective;
        Console.WriteLine(
            $"training {settings.Arch} ({settings.Profile}) {run.Describe()} on {data.Train.Count} segments of "
                + $"{data.Train.Pieces.Count} pieces "
                + $"(train split), validating on {data.Validation.Pieces.Count} pieces; {data.Classes.Count} classes "
                + $"({data.Source.Name}); device {Models.ModelFactory.DefaultDevice().type}"
        );
        int failed = data.WriteFailures(run.OutDir);
        if (failed > 0)
            Console.Error.WriteLine(
                $"{failed} file(s) left out → {Path.Combine(run.OutDir, ExperimentData.FailuresFile)}"
            );
        CheckpointMeta meta = null!;
        int batches = (data.Train.Count + settings.BatchSize - 1) / settings.BatchSize;
        Common.WithProgress(
            $"train",
            settings.Epochs * batches,
            step =>
            {
                int reported = 0; // batches counted so far: reports may skip batches (every 0.5 s on a GPU)
                var reports = new TrainingReports
                {
                    OnProgress = p =>
                    {
                        int now = (p.Epoch - 1) * batches + p.Batch;
                        step(now - reported);
                        reported = now;
                    },
                    OnStop = reason => Console.Error.WriteLine("stopped: " + reason),
                    OnEpoch = m =>
                        Console.Error.WriteLine(
                            $"epoch {m.Epoch}/{settings.Epochs}: loss {m.TrainLoss:F3} acc {m.TrainAccuracy:P1} | "
                                + $"validation segment {m.ValSegmentAccuracy:P1} "
                                + $"performance {m.ValPerformanceAccuracy:P1} F1 "
                                + $"{m.ValWeightedF1:F3} | {m.SegmentsPerSecond:F1} seg/s"
                        ),
                };
                meta = run.Run(data, reports, resume);
                return 0;
            }
        );
        Console.WriteLine(
            $"kept epoch {meta.BestEpoch} ({meta.BestRule}; validation performance F1 {meta.BestF1:F3}) → "
                + Path.Combine(run.OutDir, "best")
        );
        return meta;
    }
}

/// <summary>Options shared by train, advtrain and pipeline.</summary>
sealed class TrainOptions
{
    public readonly Option<string?> Profile = Common.Profile("the model, its training and the defaults below");
    public readonly Option<string> Out = new("--out", "-o")
    {
        Description = "Run folder",
        DefaultValueFactory = _ => Path.Combine("artifacts", "run"),
    };
    public readonly DataOptions Data = new();
    public readonly Option<bool> Resume = new("--resume")
    {
        Description = "Continue the run in --out from its last checkpoint (same settings)",
    };
    public readonly Option<bool> AllowChanges = new("--allow-changes")
    {
        Description = "With --resume: continue even though settings, data or defense differ from the checkpoint's",
    };
    public readonly Option<int?> Threads = new("--threads") { Description = "CPU threads (default: all cores)" };
    public readonly Option<string?> Arch = new("--arch")
    {
        Description = "resnet18|resnet34|resnet50|resnet101|resnet152|convnet",
    };
    public readonly Option<int?> Epochs = new("--epochs") { Description = "Epochs" };
    public readonly Option<int?> Batch = new("--batch") { Description = "Batch size" };
    public readonly Option<double?> Lr = new("--lr") { Description = "Learning rate" };
    public readonly Option<string?> Optimizer = new("--optimizer") { Description = "sgd | adam | adamw" };
    public readonly Option<bool> Nesterov = new("--nesterov") { Description = "Nesterov momentum (SGD)" };
    public readonly Option<int?> Segments = new("--segments") { Description = "Segments per performance (paper: 90)" };
    public readonly Option<int?> Channels = new("--channels")
    {
        Description = "2 = onset + frame, 1 = frame only (the paper's ablation)",
    };
    public readonly Option<int> Seed = Common.Seed();

    public void AddTo(Command c)
    {
        Arch.AcceptOnlyFromAmong([.. Models.ModelFactory.Architectures]);
        Optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        Channels.AcceptOnlyFromAmong("1", "2");
        foreach (
            var o in new Option[]
            {
                Profile,
                Out,
                Arch,
                Epochs,
                Batch,
                Lr,
                Optimizer,
                Nesterov,
                Segments,
                Channels,
                Seed,
                Threads,
                Resume,
                AllowChanges,
            }
        )
            c.Add(o);
        Data.AddTo(c);
    }

    public TrainSettings Settings(ParseResult r)
    {
        var s = TrainSettings.For(Common.ProfileOf(r, Profile));
        return s with
        {
            Arch = r.GetValue(Arch) ?? s.Arch,
            Epochs = r.GetValue(Epochs) ?? s.Epochs,
            BatchSize = r.GetValue(Batch) ?? s.BatchSize,
            LearningRate = r.GetValue(Lr) ?? s.LearningRate,
            Optimizer = r.GetValue(Optimizer) ?? s.Optimizer,
            Nesterov = r.GetValue(Nesterov) || s.Nesterov,
            SegmentsPerPiece = r.GetValue(Segments) ?? s.SegmentsPerPiece,
            InputChannels = r.GetValue(Channels) ?? s.InputChannels,
            Seed = r.GetValue(Seed),
            Threads = r.GetValue(Threads),
        };
    }

    /// <summary>The run these options describe, training against <paramref name="defense"/>, fine-tuned from the
    /// checkpoint folder <paramref name="start"/> when one is given.</summary>
    public TrainingRun Run(ParseResult r, TrainSettings settings, DefenseSpec defense, string? start = null) =>
        (
            start is null
                ? new TrainingRun(settings, defense, r.GetValue(Out)!)
                : TrainingRun.FineTuned(settings, defense, r.GetValue(Out)!, start, "")
        ) with
        {
            AllowChangedSettings = r.GetValue(AllowChanges),
        };

    public ExperimentData LoadData(ParseResult r, TrainSettings s) =>
        ExperimentData.Load(
            Data.Source(r, MidiGenre.Common.Profile.Recorded(s.Profile)),
            new SegmentSpec(s.SegmentsPerPiece),
            s.Seed,
            s.InputChannels
        );
}

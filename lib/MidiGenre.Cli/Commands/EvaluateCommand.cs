using System.CommandLine;
using MidiGenre.Evaluation;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

/// <summary>Options every command that uses a trained model shares.</summary>
sealed class ModelOptions
{
    public readonly Option<string> Model = new("--model", "-m")
    {
        Description = "Run folder (written by train/advtrain/pipeline) or checkpoint folder",
        Required = true,
    };
    public readonly Option<string> Which = new("--checkpoint")
    {
        Description =
            "best = the epoch the run kept (default: best validation performance F1; a defended run: its most "
            + "robust validation epoch), last = the final epoch",
        DefaultValueFactory = _ => "best",
    };

    public void AddTo(Command c)
    {
        Which.AcceptOnlyFromAmong("best", "last");
        c.Add(Model);
        c.Add(Which);
    }

    /// <summary>Fails with one line, before any data is loaded, when the run folder or its checkpoint is
    /// missing.</summary>
    public (
        TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> Model,
        CheckpointMeta Meta
    ) Load(ParseResult r) =>
        Checkpoint.LoadModel(r.GetValue(Model)!, Models.ModelFactory.DefaultDevice(), r.GetValue(Which)!);

    public static string Describe(CheckpointMeta meta) =>
        $"checkpoint {meta.Which ?? "?"} (epoch {meta.Epoch} of {meta.Settings.Epochs})";
}

static class EvaluateCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var m = new ModelOptions();
        var d = new DataOptions();
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Folder for evaluation.json, per-class.csv, performances.csv (default: beside the model)",
        };
        var bf16 = Common.Bf16();
        var cmd = new Command(
            "evaluate",
            "Segment- and performance-level (majority vote per file) accuracy, weighted F1, per-class scores and "
                + "confusion matrix on the held-out test split of the corpus the model was trained on (recorded in the "
                + "checkpoint; --corpus to use another)"
        )
        {
            output,
            bf16,
        };
        m.AddTo(cmd);
        d.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var (model, meta) = m.Load(r);
                var exp = d.ForCheckpoint(r, meta);
                var result = Evaluator.Evaluate(Common.WithPrecision(model, r.GetValue(bf16)), exp.Test, exp.Classes);
                string outDir =
                    r.GetValue(output)
                    ?? Path.GetDirectoryName(
                        Path.GetFullPath(Checkpoint.ResolveDir(r.GetValue(m.Model)!, r.GetValue(m.Which)!))
                    )!;
                Report.WriteEvaluation(
                    outDir,
                    result,
                    exp.Source.Name,
                    "test",
                    new CheckpointChoice(meta.Which ?? "?", meta.Epoch, meta.Settings.Epochs)
                );
                Common.PrintTable(
                    $"per class (test split, {result.Performance.Total} pieces)",
                    result.Performance.PerClass()
                );
                Console.WriteLine(
                    $"test split of {exp.Source.Name}, {ModelOptions.Describe(meta)}: segment accuracy "
                        + $"{result.Segment.Accuracy:P2}, "
                        + $"performance accuracy {result.Performance.Accuracy:P2}, performance weighted F1 "
                        + $"{result.Performance.WeightedF1:F4} → {outDir}"
                );
                return 0;
            })
        );
        return cmd;
    }
}

static class PredictCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var m = new ModelOptions();
        var files = new Argument<string[]>("files") { Description = "MIDI files", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k")
        {
            Description = "How many classes to show",
            DefaultValueFactory = _ => 3,
        };
        var cmd = new Command(
            "predict",
            "Classify MIDI files: majority vote over the file's segments, top-k classes with probabilities"
        )
        {
            files,
            top,
        };
        m.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var missing = r.GetValue(files)!.Where(f => !File.Exists(f)).ToList();
                if (missing.Count > 0)
                    throw new UsageException($"no such file: {string.Join(", ", missing)}");
                var (model, meta) = m.Load(r);
                int failures = 0;
                foreach (var f in r.GetValue(files)!)
                {
                    try
                    {
                        var p = Predictor.Predict(model, meta.Input, f);
                        Console.WriteLine(
                            $"{f}: "
                                + string.Join(
                                    ", ",
                                    p.Take(r.GetValue(top)).Select(x => $"{x.Class} {x.Probability:P1}")
                                )
                        );
                    }
                    catch (Exception e)
                        when (e is Midi.MidiFormatException or IOException or NothingToClassifyException)
                    {
                        failures++;
                        Console.Error.WriteLine($"{f}: {e.Message}");
                    }
                }
                return failures == 0 ? 0 : 1;
            })
        );
        return cmd;
    }
}

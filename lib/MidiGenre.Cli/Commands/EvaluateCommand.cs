using System.CommandLine;
using System.Text.Json;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using TorchSharp;

namespace MidiGenre.Cli.Commands;

static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run folder", Required = true };
        var data = new Option<string>("--data") { Description = "Data folder", DefaultValueFactory = _ => "data" };
        var maestro = new Option<string?>("--maestro") { Description = "MAESTRO folder instead of the synthetic corpus" };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for evaluation.json and per-class/per-piece CSVs (default: beside the model)" };
        var bf16 = Common.Bf16();
        var cmd = new Command("evaluate", "Segment- and piece-level (majority vote) accuracy, weighted F1, per-class scores and confusion matrix on the validation split")
            { model, data, maestro, output, bf16 };
        cmd.SetAction(r =>
        {
            try
            {
                var (m, meta) = Checkpoint.LoadModel(r.GetValue(model)!, Models.ModelFactory.DefaultDevice());
                var exp = ExperimentData.Load(DataSource.ForProfile(meta.Settings.Profile, r.GetValue(data)!, r.GetValue(maestro)),
                    new SegmentSpec(meta.Settings.SegmentsPerPiece), meta.Settings.Seed, meta.Settings.InputChannels);
                var result = Evaluator.Evaluate(Common.WithPrecision(m, r.GetValue(bf16)), exp.Validation, meta.Classes, 0, Models.ModelFactory.DefaultDevice());
                string outDir = r.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(Checkpoint.ResolveDir(r.GetValue(model)!)))!;
                Report.WriteEvaluation(outDir, result, exp.Source.Name);
                Common.PrintTable("per class (pieces)", result.Piece.PerClass());
                Console.WriteLine($"segment accuracy {result.Segment.Accuracy:P2}, piece accuracy {result.Piece.Accuracy:P2}, weighted F1 {result.Piece.WeightedF1:F4} → {outDir}");
                return 0;
            }
            catch (FileNotFoundException e) { return Common.Fail(e.Message); }
        });
        return cmd;
    }
}

static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run folder", Required = true };
        var files = new Argument<string[]>("files") { Description = "MIDI files", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k") { Description = "How many classes to show", DefaultValueFactory = _ => 3 };
        var cmd = new Command("predict", "Classify MIDI files: majority vote over the piece's segments, top-k classes with probabilities") { model, files, top };
        cmd.SetAction(r =>
        {
            var (m, meta) = Checkpoint.LoadModel(r.GetValue(model)!, Models.ModelFactory.DefaultDevice());
            int failures = 0;
            foreach (var f in r.GetValue(files)!)
            {
                try
                {
                    var p = Predictor.Predict(m, meta, f);
                    Console.WriteLine($"{f}: " + string.Join(", ", p.Take(r.GetValue(top)).Select(x => $"{x.Class} {x.Probability:P1}")));
                }
                catch (Exception e) when (e is Midi.MidiFormatException or IOException) { failures++; Console.Error.WriteLine($"{f}: {e.Message}"); }
            }
            return failures == r.GetValue(files)!.Length ? 1 : 0;
        });
        return cmd;
    }
}

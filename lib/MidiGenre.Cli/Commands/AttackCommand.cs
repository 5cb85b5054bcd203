using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

static class AttackCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run folder", Required = true };
        var attack = new Option<string>("--attack", "-a") { Description = string.Join(" | ", AttackFactory.Names), DefaultValueFactory = _ => "pgd" };
        var eps = new Option<string>("--eps") { Description = "Comma-separated strengths in normalised velocity (1.0 = 127)", DefaultValueFactory = _ => "0,0.02,0.05,0.1" };
        var steps = new Option<int>("--steps") { Description = "PGD steps", DefaultValueFactory = _ => 10 };
        var data = new Option<string>("--data") { Description = "Data folder", DefaultValueFactory = _ => "data" };
        var maestro = new Option<string?>("--maestro") { Description = "MAESTRO folder instead of the synthetic corpus" };
        var output = new Option<string>("--out", "-o") { Description = "Folder for attack-results.json/.csv and MIDI examples", DefaultValueFactory = _ => Path.Combine("artifacts", "attack") };
        var save = new Option<int>("--save-midi") { Description = "Save this many original/adversarial MIDI pairs per ε", DefaultValueFactory = _ => 3 };
        var targeted = new Option<bool>("--targeted") { Description = "Targeted mode (FGSM/PGD): push each segment towards the next class" };
        var seed = Common.Seed();
        var bf16 = Common.Bf16();
        var cmd = new Command("attack", "Attack a trained model on the validation segments: robust accuracy (segment and piece), success before/after realisation as MIDI, perturbation size")
            { model, attack, eps, steps, data, maestro, output, save, targeted, seed, bf16 };
        cmd.SetAction(r =>
        {
            var device = Models.ModelFactory.DefaultDevice();
            var (loaded, meta) = Checkpoint.LoadModel(r.GetValue(model)!, device);
            var m = Common.WithPrecision(loaded, r.GetValue(bf16));
            var exp = ExperimentData.Load(DataSource.ForProfile(meta.Settings.Profile, r.GetValue(data)!, r.GetValue(maestro)),
                new SegmentSpec(meta.Settings.SegmentsPerPiece), meta.Settings.Seed, meta.Settings.InputChannels);
            var epsilons = r.GetValue(eps)!.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            string outDir = r.GetValue(output)!;
            var results = new List<AttackResult>();
            foreach (var e in epsilons)
            {
                var res = Common.WithProgress($"{r.GetValue(attack)} ε={e}", exp.Validation.Count, step =>
                    AttackEvaluator.Run(m, exp.Validation, meta.Classes, AttackFactory.Create(r.GetValue(attack)!, e, r.GetValue(steps), r.GetValue(seed), r.GetValue(targeted)), e, 16, device,
                        r.GetValue(save) > 0 ? Path.Combine(outDir, "examples") : null, r.GetValue(save), step));
                results.Add(res);
                Console.WriteLine($"ε={e}: robust {res.SegmentRobustAccuracy:P1} (piece {res.PieceRobustAccuracy:P1}), success {res.SuccessRate:P1}, realised {res.RealizedSuccessRate:P1}; " +
                                  $"+{res.NotesAdded:F1}/−{res.NotesRemoved:F1} notes, mean |Δv| {res.MeanAbsVelocityChange:F1}");
            }
            Directory.CreateDirectory(outDir);
            AtomicFile.WriteAllText(Path.Combine(outDir, "attack-results.json"), JsonSerializer.Serialize(new { classes = meta.Classes, results }, Evaluation.Report.Json));
            Pipeline.WriteAttacksCsv(Path.Combine(outDir, "attack-results.csv"), results.Select(AttackFigures.From));
            Console.WriteLine($"→ {outDir}");
            return 0;
        });
        return cmd;
    }
}

static class AdvTrainCommand
{
    public static Command Create()
    {
        var o = new TrainOptions();
        var eps = new Option<double>("--eps") { Description = "PGD ε (normalised velocity)", DefaultValueFactory = _ => 0.05 };
        var steps = new Option<int>("--steps") { Description = "PGD steps per batch", DefaultValueFactory = _ => 5 };
        var mix = new Option<double>("--mix") { Description = "Share of each batch replaced by adversarial examples (0…1)", DefaultValueFactory = _ => 0.5 };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out" };
        var trades = new Option<bool>("--trades") { Description = "TRADES instead of Madry: CE + β·KL(f(x) ‖ f(x′)) with x′ from PGD on the KL" };
        var beta = new Option<double>("--beta") { Description = "TRADES β (robustness weight)", DefaultValueFactory = _ => 6.0 };
        var cmd = new Command("advtrain", "Adversarial training: Madry-style PGD (examples generated on the fly, clean/adversarial mix) or TRADES; resumable like train");
        o.AddTo(cmd);
        foreach (var x in new Option[] { eps, steps, mix, trades, beta, resume }) cmd.Add(x);
        cmd.SetAction(r =>
        {
            var settings = o.Settings(r);
            var data = o.LoadData(r, settings);
            var adv = new AdversarialTraining(r.GetValue(eps), r.GetValue(steps), r.GetValue(mix), settings.Seed);
            var tr = new Trades(r.GetValue(eps), r.GetValue(steps), r.GetValue(beta), settings.Seed);
            bool useTrades = r.GetValue(trades);
            TrainCommand.Train(data, settings, r.GetValue(o.Out)!, r.GetValue(resume), t => new Trainer(t.Settings, data.Classes, t.OutDir, data.Source.Name)
            {
                OnProgress = t.OnProgress, OnEpoch = t.OnEpoch,
                BatchTransform = useTrades ? null : adv.Transform,
                Objective = useTrades ? tr.Objective : null,
            });
            return 0;
        });
        return cmd;
    }
}

using System.CommandLine;
using MidiGenre.Defenses;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

static class AdvTrainCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var o = new TrainOptions();
        var method = new Option<string?>("--method")
        {
            Description =
                "pgd (Madry: PGD with --steps steps) | fast (FGSM from a random start, α = 1.25 ε, Wong et al. "
                + "2020, with an early stop on a PGD check against catastrophic overfitting; ~2.5× faster, less "
                + "robust) | free (Shafahi et al. 2019: each batch replayed --steps times, one perturbation carried "
                + "across batches, epochs divided by --steps; about the cost of clean training) | trades (Zhang et "
                + "al.). Default: pgd",
        };
        method.AcceptOnlyFromAmong([.. AdversarialTraining.Methods, "trades"]);
        var eps = new Option<double>("--eps")
        {
            Description = "ε (normalised velocity)",
            DefaultValueFactory = _ => 0.05,
        };
        var steps = new Option<int>("--steps")
        {
            Description = "PGD steps per batch (pgd, trades), of the fast method's check, replays m (free)",
            DefaultValueFactory = _ => 5,
        };
        var mix = new Option<double>("--mix")
        {
            Description = "Share of each batch replaced by adversarial examples (0…1; pgd, fast, free)",
            DefaultValueFactory = _ => 0.5,
        };
        var trades = new Option<bool>("--trades") { Description = "Same as --method trades" };
        var beta = new Option<double>("--beta")
        {
            Description = "TRADES β (robustness weight)",
            DefaultValueFactory = _ => 6.0,
        };
        var cmd = new Command(
            "advtrain",
            "Adversarial training (pgd, fast or trades); resumable like train; the method and its settings are "
                + "recorded in the checkpoint"
        );
        o.AddTo(cmd);
        foreach (var x in new Option[] { method, eps, steps, mix, trades, beta })
            cmd.Add(x);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                if (r.GetValue(eps) is var e && (!double.IsFinite(e) || e < 0))
                    throw new UsageException($"--eps {e}: must be ≥ 0");
                if (r.GetValue(mix) is var mx && (mx < 0 || mx > 1))
                    throw new UsageException($"--mix {mx}: must be between 0 and 1");
                string m = r.GetValue(trades) ? "trades" : r.GetValue(method) ?? "pgd";
                var settings = o.Settings(r);
                var data = o.LoadData(r, settings);
                var adv = new AdversarialTraining(
                    r.GetValue(eps),
                    r.GetValue(steps),
                    r.GetValue(mix),
                    settings.Seed,
                    m == "trades" ? "pgd" : m
                );
                settings = settings with { Epochs = adv.EpochsFor(settings.Epochs) };
                var tr = new Trades(r.GetValue(eps), r.GetValue(steps), r.GetValue(beta), settings.Seed);
                var guard =
                    m == "fast"
                        ? new OverfittingGuard(
                            data.Validation,
                            r.GetValue(eps),
                            Math.Max(5, r.GetValue(steps)),
                            seed: settings.Seed
                        )
                        : null;
                TrainCommand.Train(
                    data,
                    settings,
                    r.GetValue(o.Out)!,
                    o,
                    r,
                    m == "trades" ? tr.Settings : adv.Settings,
                    t => new Trainer(t.Settings, data.Classes, t.OutDir, data.Source.Name)
                    {
                        Source = t.Source,
                        Defense = t.Defense,
                        AllowChangedSettings = t.AllowChangedSettings,
                        OnProgress = t.OnProgress,
                        OnEpoch = t.OnEpoch,
                        BatchTransform = m == "trades" ? null : adv.Transform,
                        Replays = adv.Replays,
                        AfterBackward = adv.AfterBackward,
                        Objective = m == "trades" ? tr.Objective : null,
                        StopCheck = guard == null ? null : guard.Check,
                        OnStop = reason => Console.Error.WriteLine("stopped: " + reason),
                    }
                );
                return 0;
            })
        );
        return cmd;
    }
}

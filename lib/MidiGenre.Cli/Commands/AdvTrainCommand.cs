using System.CommandLine;
using MidiGenre.Defenses;
using MidiGenre.Experiments;
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
                + "al.) | pgd-midi (PGD that only makes existing notes louder or softer, valid MIDI at every step: the "
                + "threat model MIDI allows). Default: pgd",
        };
        method.AcceptOnlyFromAmong([.. DefenseSpec.Methods]);
        var eps = new Option<double>("--eps")
        {
            Description = "ε (normalised velocity)",
            DefaultValueFactory = _ => MidiGenre.Common.Defaults.Eps,
        };
        var steps = new Option<int?>("--steps")
        {
            Description =
                "PGD steps per batch (pgd, trades), of the fast method's check, replays m (free); default: 5 on "
                + "smoke, else 10 (free: 4) — what the notebooks and pipeline use",
        };
        var mix = new Option<double>("--mix")
        {
            Description = "Share of each batch replaced by adversarial examples (0…1; pgd, fast, free)",
            DefaultValueFactory = _ => MidiGenre.Common.Defaults.Mix,
        };
        var trades = new Option<bool>("--trades") { Description = "Same as --method trades" };
        var from = new Option<string?>("--from")
        {
            Description =
                "Fine-tune: start from this run's best weights (e.g. artifacts/run) and train half its epochs, as "
                + "the notebooks and pipeline do; without it the defense trains from scratch for all epochs",
        };
        var beta = new Option<double>("--beta")
        {
            Description = "TRADES β (robustness weight)",
            DefaultValueFactory = _ => MidiGenre.Common.Defaults.Beta,
        };
        var cmd = new Command(
            "advtrain",
            "Adversarial training (pgd, fast, free, trades or pgd-midi), from scratch or fine-tuned from a run "
                + "(--from); resumable like train; the method, its settings and the start are recorded in the "
                + "checkpoint"
        );
        o.AddTo(cmd);
        foreach (var x in new Option[] { method, eps, steps, mix, trades, beta, from })
            cmd.Add(x);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var m = DefenseSpec.Parse(r.GetValue(trades) ? "trades" : r.GetValue(method) ?? "pgd");
                var settings = o.Settings(r);
                // Built and checked before any data is loaded: a bad ε or mix is one line, not a late failure.
                var defense = new DefenseSpec(
                    m,
                    r.GetValue(eps),
                    r.GetValue(steps) ?? DefenseSpec.DefaultSteps(m, MidiGenre.Common.Profile.Parse(settings.Profile)),
                    r.GetValue(mix),
                    r.GetValue(beta),
                    settings.Seed
                );
                // The start is checked when the run is built: a missing run is one line before any data is loaded.
                var run = o.Run(
                    r,
                    settings,
                    defense,
                    r.GetValue(from) is string start ? Path.Combine(start, "best") : null
                );
                TrainCommand.Train(o.LoadData(r, settings), run, r.GetValue(o.Resume));
                return 0;
            })
        );
        return cmd;
    }
}

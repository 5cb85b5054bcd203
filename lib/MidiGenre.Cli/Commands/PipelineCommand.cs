using System.CommandLine;
using MidiGenre.Experiments;

namespace MidiGenre.Cli.Commands;

static class PipelineCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var profile = Common.Profile("every step");
        var output = new Option<string>("--out", "-o")
        {
            Description = "Output folder: report.json, attacks.csv, checkpoints, MIDI examples",
            DefaultValueFactory = _ => Path.Combine("artifacts", "pipeline"),
        };
        var d = new DataOptions();
        var seed = Common.Seed();
        var which = new Option<string>("--checkpoint")
        {
            Description = "Weights the steps evaluate and attack: best (validation; default) | last",
            DefaultValueFactory = _ => "best",
        };
        which.AcceptOnlyFromAmong("best", "last");
        var method = new Option<string>("--adv-method")
        {
            Description =
                "Adversarial retraining: pgd (Madry, default) | fast (FGSM + random start with an overfitting guard) | "
                + "free (Shafahi et al.) | trades (Zhang et al.) | pgd-midi (louder or softer notes only); see "
                + "`advtrain --help`",
            DefaultValueFactory = _ => "pgd",
        };
        method.AcceptOnlyFromAmong([.. Defenses.DefenseSpec.Methods]);
        var fineTune = new Option<bool>("--fine-tune")
        {
            Description =
                "Fine-tune the defenses from the base model for half its epochs instead of training them from "
                + "scratch: about half the cost, clean accuracy kept, but less robust (README measures both)",
        };
        var eps = new Option<string>("--eps")
        {
            Description = "ε of the sweep (FGSM, PGD, AutoAttack, pgd-midi; normalised velocity, comma-separated)",
            DefaultValueFactory = _ => MidiGenre.Common.Defaults.EpsilonList,
        };
        var cmd = new Command(
            "pipeline",
            "The whole study: prepare → train (validation picks the checkpoint) → evaluate on the test split → "
                + "baselines → FGSM, PGD, AutoAttack and pgd-midi sweeps with their sanity checks → adversarial "
                + "retraining → PGD, AutoAttack, pgd-midi and transfer on both models; writes OUT/report.json (all "
                + "figures on the test split)"
        )
        {
            profile,
            output,
            seed,
            which,
            method,
            eps,
            fineTune,
        };
        d.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var p = Common.ProfileOf(r, profile);
                // One description of the run, checked before any work; the pipeline decides nothing again.
                var spec = new RunSpec(
                    p.Name,
                    r.GetValue(output)!,
                    d.Source(r, p),
                    r.GetValue(seed),
                    r.GetValue(method)!,
                    ParseEps(r.GetValue(eps)!),
                    r.GetValue(which)!,
                    r.GetValue(fineTune)
                );
                var report = new Pipeline(spec) { Log = s => Console.WriteLine(s) }.Run();
                Console.WriteLine(
                    $"test split: clean performance accuracy {report.Clean.PerformanceAccuracy:P1}, weighted F1 "
                        + $"{report.Clean.WeightedF1:F3}; {report.Seconds:F0} s"
                );
                return 0;
            })
        );
        return cmd;
    }

    static double[] ParseEps(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s =>
                double.TryParse(
                    s,
                    System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out double v
                )
                && v >= 0
                    ? v
                    : throw new UsageException($"--eps: '{s}' is not a number ≥ 0 (use e.g. 0,0.02,0.05)")
            )
            .ToArray();
}

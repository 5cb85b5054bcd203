using System.CommandLine;
using System.Globalization;
using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using MidiGenre.Experiments;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

static class AttackCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var m = new ModelOptions();
        var d = new DataOptions();
        var attack = new Option<string>("--attack", "-a")
        {
            Description = string.Join(" | ", AttackFactory.Names),
            DefaultValueFactory = _ => "pgd",
        };
        var budgets = new Option<string>("--eps", "--budget")
        {
            Description =
                "Comma-separated budgets in the attack's unit: ε in normalised velocity (1.0 = 127) for fgsm, pgd, "
                + "apgd-ce, apgd-dlr, square, autoattack-cheap, autoattack-standard, pgd-midi, velocity; L2 radius "
                + "for pgd-l2; notes per 8-bin "
                + "column for column, chord, melody; a probability per column for random; ignored by deepfool. 0 is "
                + "not attacked (clean figures)",
            DefaultValueFactory = _ => MidiGenre.Common.Defaults.EpsilonList,
        };
        var steps = new Option<int?>("--steps")
        {
            Description =
                "PGD steps (also APGD's; autoattack-cheap runs its APGDs for twice as many and Square for 2.5 queries "
                + "per APGD step; autoattack-standard always takes the published 100 steps, 9 targets, 5 000 queries). "
                + "Default: the sweep's steps of the checkpoint's profile (5 on smoke, else 10), as pipeline uses",
        };
        var source = new Option<string?>("--source-model")
        {
            Description =
                "Transfer attack: craft the examples on this run folder (e.g. a ConvNet or ResNet-18 run) and "
                + "evaluate them on --model. It must know the same classes in the same order",
        };
        var sanity = new Option<bool>("--no-sanity")
        {
            Description =
                "Skip the sanity checks (loss rises, unbounded PGD reaches chance, more steps do not help the model)",
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for attacks.json/.csv (as pipeline writes them) and MIDI examples",
            DefaultValueFactory = _ => Path.Combine("artifacts", "attack"),
        };
        var save = new Option<int>("--save-midi")
        {
            Description = "Save this many original/adversarial MIDI pairs per budget",
            DefaultValueFactory = _ => 3,
        };
        var targeted = new Option<bool>("--targeted")
        {
            Description =
                $"Targeted mode ({string.Join(", ", AttackFactory.TargetedNames)}): push each segment towards the "
                + "next class; success = the target is predicted",
        };
        var pieces = new Option<int?>("--pieces")
        {
            Description =
                "Attack only the first N test performances (all their segments, so the vote still works): a quick "
                + "look, or the standard AutoAttack on a CPU. The results say so (split \"test, first N "
                + "performances\")",
        };
        var seed = Common.Seed();
        var bf16 = Common.Bf16();
        var cmd = new Command(
            "attack",
            "Attack a trained model on the held-out test split: robust accuracy (segment and piece), success "
                + "before/after realisation as MIDI, perturbation size, and the sweep's sanity checks. autoattack-* is "
                + "the worst case per segment over APGD-CE, APGD-T and Square (Croce & Hein 2020); pgd-midi only ever "
                + "plays valid MIDI (note velocities within ε × 127)"
        )
        {
            attack,
            budgets,
            steps,
            output,
            save,
            targeted,
            source,
            sanity,
            pieces,
            seed,
            bf16,
        };
        m.AddTo(cmd);
        d.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                string name = r.GetValue(attack)!;
                // The sweep is described and checked before the model or the data are loaded.
                var spec = new AttackSweepSpec(
                    [name],
                    ParseBudgets(r.GetValue(budgets)!),
                    r.GetValue(steps) ?? MidiGenre.Common.Defaults.PgdSteps,
                    r.GetValue(seed),
                    r.GetValue(targeted)
                );
                var (loaded, meta) = m.Load(r);
                // The steps pipeline and the notebooks use for this checkpoint's profile, unless given.
                spec = new AttackSweepSpec(
                    spec.Attacks,
                    spec.Budgets,
                    r.GetValue(steps) ?? MidiGenre.Common.Profile.Recorded(meta.Settings.Profile).PgdSteps,
                    spec.Seed,
                    spec.Targeted
                );
                var model = Common.WithPrecision(loaded, r.GetValue(bf16));
                var exp = d.ForCheckpoint(r, meta);
                if (r.GetValue(pieces) is int n && n < 1)
                    throw new UsageException($"--pieces {n}: attack at least one performance");
                var test = r.GetValue(pieces) is int first
                    ? new SegmentDataset([.. exp.Test.Pieces.Take(first)], exp.Test.Spec, exp.Test.InputChannels)
                    : exp.Test;
                string split =
                    r.GetValue(pieces) is int k && k < exp.Test.Pieces.Count ? $"test, first {k} performances" : "test";
                var transfer = r.GetValue(source) is string sourceRun ? LoadSource(sourceRun, meta) : null;
                string outDir = r.GetValue(output)!;
                var (results, checks) = AttackSweep.RunChecked(
                    model,
                    test,
                    exp.Classes,
                    spec,
                    new MidiExamples(Path.Combine(outDir, "examples"), r.GetValue(save)),
                    Print,
                    (a, run) => Common.WithProgress($"{a.Name} {a.Budget:0.###}", test.Count, step => run(step)),
                    transfer,
                    sanity: !r.GetValue(sanity),
                    onCheck: c => Console.WriteLine($"{(c.Passed ? "ok  " : "FAIL")} {c.Check}: {c.Measured}")
                );
                Directory.CreateDirectory(outDir);
                var choice = new CheckpointChoice(meta.Which ?? "?", meta.Epoch, meta.Settings.Epochs);
                new AttackSweepFile(split, exp.Source.Name, choice, meta.Classes, results) { Sanity = checks }.Write(
                    Path.Combine(outDir, "attacks.json")
                );
                Console.WriteLine($"→ {outDir}");
                return 0;
            })
        );
        return cmd;
    }

    /// <summary>The transfer source, refused before any work when it cannot attack the target model.</summary>
    static TransferSource LoadSource(string run, CheckpointMeta target)
    {
        var (model, meta) = Checkpoint.LoadModel(run, Models.ModelFactory.DefaultDevice(), "best");
        model.eval();
        return TransferSource.For(model, meta, target, Path.GetFileName(Path.TrimEndingDirectorySeparator(run)));
    }

    static void Print(AttackResult res) =>
        Console.WriteLine(
            $"{res.Attack} {res.Budget:0.###} ({res.BudgetUnit})"
                + (res.SourceModel is string src ? $", crafted on {src}" : "")
                + $", test split: robust {res.SegmentRobustAccuracy:P1} "
                + $"(performance {res.PerformanceRobustAccuracy:P1}), left the true class {res.SuccessRate:P1}"
                + (res.TargetSuccessRate is double t ? $", reached the target {t:P1}" : "")
                + $", as MIDI {res.RealizedSuccessRate:P1}; "
                + $"+{res.Size.NotesAdded:F1}/−{res.Size.NotesRemoved:F1} notes, "
                + $"mean |Δv| {res.Size.MeanAbsVelocityChange:F1}, median L2 {res.Size.MedianL2:F3}"
        );

    static double[] ParseBudgets(string text)
    {
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s =>
                double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    ? v
                    : throw new UsageException($"--eps: '{s}' is not a number (use e.g. 0,0.02,0.05)")
            )
            .ToArray();
    }
}

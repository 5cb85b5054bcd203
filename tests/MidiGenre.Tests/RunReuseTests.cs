using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Experiments;
using MidiGenre.Training;

namespace MidiGenre.Tests;

/// <summary>A finished run is reused only when it is the run asked for; an unknown defense is refused before any
/// work.</summary>
[Collection("torch")]
public class RunReuseTests(SmokeData smoke)
{
    [Fact]
    public void A_finished_run_trained_with_another_method_or_eps_is_refused_not_relabelled()
    {
        string outDir = Path.Combine(smoke.Root, "reuse");
        Study Make(string method, double eps)
        {
            var spec = new RunSpec("smoke", outDir, new DataSource(smoke.Root, null, SmallSynthetic: true), 1, method);
            return new(
                spec with
                {
                    Training = spec.Training with { Epochs = 1, SegmentsPerPiece = 4 },
                    Defense = spec.Defense with { Eps = eps },
                }
            );
        }
        var first = Make("pgd", 0.05);
        first.TrainAdversarial();
        var again = Make("pgd", 0.05);
        var logged = new List<string>();
        again.Log = logged.Add;
        again.TrainAdversarial(); // the same run: reused
        Assert.Contains(logged, l => l.StartsWith("reusing the finished run", StringComparison.Ordinal));
        var otherMethod = Assert.Throws<ResumeMismatchException>(() => Make("fast", 0.05).TrainAdversarial());
        Assert.Contains(otherMethod.Changes, c => c.StartsWith("defense:", StringComparison.Ordinal));
        Assert.Contains("fast", otherMethod.Message);
        var otherEps = Assert.Throws<ResumeMismatchException>(() => Make("pgd", 0.1).TrainAdversarial());
        Assert.Contains(otherEps.Changes, c => c.Contains("0.1", StringComparison.Ordinal));
    }

    [Fact]
    public void Notebook_05_reuses_the_sweeps_base_model_rows_which_equal_a_fresh_attack_and_not_a_stale_sweep()
    {
        string outDir = Path.Combine(smoke.Root, "sweep-reuse");
        Study Make(int steps)
        {
            var spec = new RunSpec("smoke", outDir, new DataSource(smoke.Root, null, SmallSynthetic: true), 2);
            return new(
                spec with
                {
                    Training = spec.Training with { Epochs = 1, SegmentsPerPiece = 2 },
                    Sweep = new Attacks.AttackSweepSpec(Study.ComparedAttacks, [0, Defaults.Eps], steps, 2),
                }
            );
        }
        var study = Make(2);
        var logged = new List<string>();
        study.Log = logged.Add;
        var model = study.TrainBase();
        var swept = study.Sweep(model);
        // What the sweep measured at the defense's ε is what the comparison would measure afresh.
        foreach (string n in Study.ComparedAttacks)
        {
            var fresh = study.RunAttack(model, study.CreateAttack(n, Defaults.Eps));
            var row = study.AtDefenseEps(swept, n);
            Assert.Equal(
                (fresh.SegmentRobustAccuracy, fresh.PerformanceRobustAccuracy, fresh.SuccessRate),
                (row.SegmentRobustAccuracy, row.PerformanceRobustAccuracy, row.SuccessRate)
            );
            Assert.Equal(fresh.RealizedSuccessRate, row.RealizedSuccessRate);
        }
        ReproducibilityTests.CopyDir(study.BaseDir, study.AdvDir); // the "retrained" model: the base one again
        var cmp = study.CompareRobustness(model, model);
        Assert.Contains(logged, l => l.Contains("on the base model: reused from", StringComparison.Ordinal));
        Assert.DoesNotContain(
            logged,
            l => l.StartsWith("pgd ε=0.05 on the base model (test)", StringComparison.Ordinal)
        );
        Assert.Equal(
            Study.ComparedAttacks.Select(n => study.AtDefenseEps(swept, n).SegmentRobustAccuracy),
            cmp.BaseAttacks.Select(r => r.SegmentRobustAccuracy)
        );
        // A sweep run with other steps is another sweep: the comparison attacks the base model itself.
        var other = Make(3);
        var otherLog = new List<string>();
        other.Log = otherLog.Add;
        other.CompareRobustness(model, model);
        Assert.Contains(otherLog, l => l.StartsWith("not reusing", StringComparison.Ordinal));
        Assert.Contains(otherLog, l => l.StartsWith("pgd ε=0.05 on the base model (test)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_result_file_from_another_seed_or_checkpoint_is_refused_or_recomputed_never_relabelled()
    {
        string outDir = Path.Combine(smoke.Root, "stamps");
        Study Make(int seed, string checkpoint = "best")
        {
            var spec = new RunSpec("smoke", outDir, new DataSource(smoke.Root, null, SmallSynthetic: true), seed)
            {
                Checkpoint = checkpoint,
            };
            return new(
                spec with
                {
                    Training = spec.Training with { Epochs = 1, SegmentsPerPiece = 2 },
                    Sweep = new Attacks.AttackSweepSpec(["fgsm"], [0, 0.05], 1, seed),
                }
            );
        }
        var first = Make(1);
        first.Sweep(first.TrainBase());
        Assert.Equal(first.SweepStamp, first.ReadSweepFile().Stamp); // the same run reads its own file
        var last = Assert.Throws<StaleResultException>(() => Make(1, "last").ReadSweepFile());
        Assert.Contains(last.Differences, d => d.StartsWith("weights best epoch", StringComparison.Ordinal));
        var seed = Assert.Throws<StaleResultException>(() => Make(2).ReadSweepFile());
        Assert.Contains(seed.Differences, d => d == "seed 1 ≠ 2 now");
        Assert.DoesNotContain('\n', seed.Message);
        // Another sweep on the same weights is another result too.
        var other = Make(1);
        var sweep = other.Spec with { Sweep = new Attacks.AttackSweepSpec(["fgsm"], [0, 0.05], 2, 1) };
        Assert.Throws<StaleResultException>(() => new Study(sweep).ReadSweepFile());

        // Baselines are fitted again for another seed, and reused for the same one.
        first.Baselines();
        var log = new List<string>();
        var again = Make(1);
        again.Log = log.Add;
        again.BaselinesReusedOrFitted();
        Assert.DoesNotContain(log, l => l.Contains("fitting the baselines again", StringComparison.Ordinal));
        var reseeded = Make(2);
        reseeded.Log = log.Add;
        Assert.Throws<StaleResultException>(() => reseeded.ReadBaselines());
        reseeded.BaselinesReusedOrFitted();
        Assert.Contains(log, l => l.Contains("seed 1 ≠ 2 now", StringComparison.Ordinal));
        Assert.Equal(reseeded.BaselineStamp, Common.JsonFiles.Read<BaselineFile>(reseeded.BaselinePath).Stamp);
    }

    [Fact]
    public void One_defense_spec_gives_the_trainer_every_hook_of_each_method()
    {
        var validation = smoke.Data.Validation;
        var pgd = new DefenseSpec(
            DefenseMethod.Pgd,
            0.05,
            DefenseSpec.DefaultSteps(DefenseMethod.Pgd, Profile.Cpu)
        ).Hooks(validation)!;
        Assert.Equal(new DefenseSettings("pgd", 0.05, 10, 0.5, 0), pgd.Settings);
        Assert.NotNull(pgd.BatchTransform);
        Assert.Null(pgd.Objective);
        var fast = new DefenseSpec(DefenseMethod.Fast, 0.05, 10).Hooks(validation)!;
        Assert.NotNull(fast.StopCheck); // the guard against catastrophic overfitting comes with the method
        var free = new DefenseSpec(
            DefenseMethod.Free,
            0.05,
            DefenseSpec.DefaultSteps(DefenseMethod.Free, Profile.Cpu)
        ).Hooks(validation)!;
        Assert.Equal((4, true), (free.Replays, free.AfterBackward != null));
        var trades = new DefenseSpec(DefenseMethod.Trades, 0.05, 10, Beta: 3).Hooks(validation)!;
        Assert.Equal(("trades", 3.0), (trades.Settings!.Method, trades.Settings.Beta));
        Assert.True(trades.Objective != null && trades.BatchTransform == null);
        // The trainer takes them all at once.
        var trainer = new Trainer(TrainSettings.ForProfile("smoke"), smoke.Data.Classes, smoke.Root) { Hooks = free };
        Assert.Same(free, trainer.Hooks);
        // The notebooks' study builds the same spec as `advtrain` with default steps.
        var study = new Study(
            new RunSpec("cpu", Path.Combine(smoke.Root, "spec"), new DataSource(smoke.Root), 0, "fast")
        );
        Assert.Equal(new DefenseSpec(DefenseMethod.Fast, 0.05, 10, 0.5, Seed: 0), study.Defense());
        Assert.Equal(new DefenseSpec(DefenseMethod.Free, 0.05, 4, 0.5, Seed: 0), study.Defense("free"));
        Assert.Throws<DefenseException>(() => study.Defense("none"));
        Assert.Throws<DefenseException>(() => new DefenseSpec(DefenseMethod.Pgd, Mix: 1.5));
        Assert.Throws<DefenseException>(() => study.Defense() with { Eps = -0.1 }); // a copy is checked too
        Assert.Throws<DefenseException>(() => study.Defense() with { Steps = 0 });
        // The base model's "defense" gives the trainer nothing and records nothing.
        Assert.Equal(
            (null, null, 8),
            (DefenseSpec.None.Hooks(validation), DefenseSpec.None.Settings, DefenseSpec.None.EpochsFor(8))
        );
        Assert.Throws<DefenseException>(() => DefenseSpec.Parse("none")); // never a retraining method by name
        Assert.Throws<DefenseException>(() => new RunSpec("cpu", "x", new DataSource(smoke.Root), 0, "none"));
    }

    [Fact]
    public void A_training_run_decides_a_defenses_epochs_and_start_once_and_refuses_a_start_it_cannot_name()
    {
        var settings = TrainSettings.ForProfile("smoke") with { Epochs = 4 };
        var pgd = new DefenseSpec(DefenseMethod.Pgd, Steps: 2);
        Assert.Equal(4, new TrainingRun(settings, pgd, "x").Effective.Epochs);
        Assert.Equal(4, new TrainingRun(settings, DefenseSpec.None, "x").Effective.Epochs);
        Assert.Equal(
            1,
            // free divides them by its replays
            new TrainingRun(settings, new DefenseSpec(DefenseMethod.Free), "x")
                .Effective
                .Epochs
        );
        // A start that is not there is refused when the run is described, not after the data are loaded.
        string missing = Path.Combine(smoke.Root, "never-trained", "best");
        Assert.Throws<MissingStepException>(() => TrainingRun.FineTuned(settings, pgd, "x", missing, "base model"));
        // Fine-tuning without a start, or a start for a run that does not fine-tune, would mislabel the run.
        Assert.Throws<RunSpecException>(() =>
            new TrainingRun(settings, pgd with { FineTune = true }, "x").Trainer(smoke.Data)
        );
        string start = Path.Combine(smoke.Root, "start");
        Directory.CreateDirectory(start);
        File.WriteAllText(Path.Combine(start, "model.bin"), "weights");
        Assert.Throws<RunSpecException>(() =>
            (new TrainingRun(settings, pgd, "x") { StartFrom = start }).Trainer(smoke.Data)
        );
        var tuned = TrainingRun.FineTuned(settings, pgd, "x", start, "base model");
        var trainer = tuned.Trainer(smoke.Data);
        Assert.Equal((2, start), (trainer.Settings.Epochs, trainer.StartFrom));
        Assert.Equal($"base model, weights {ResultStamp.HashOf(Path.Combine(start, "model.bin"))}", trainer.StartLabel);
    }

    [Fact]
    public void A_bad_value_in_the_notebooks_environment_is_one_line_naming_its_variable_before_any_work()
    {
        RunSpec From(params (string Name, string Value)[] env) =>
            RunSpec.FromEnvironment(smoke.Root, n => env.FirstOrDefault(e => e.Name == n).Value);
        var spec = From(("MIDIGENRE_PROFILE", "smoke"), ("MIDIGENRE_SEED", "7"), ("MIDIGENRE_ADV_METHOD", "trades"));
        Assert.Equal(("smoke", 7, 7, 7), (spec.Profile.Name, spec.Seed, spec.Defense.Seed, spec.Sweep.Seed));
        Assert.Equal(("trades", 5, 5), (spec.Defense.Name, spec.Defense.Steps, spec.Sweep.Steps));
        Assert.Equal(Path.Combine(smoke.Root, "artifacts", "notebooks", "smoke"), spec.OutDir);
        // Defenses train from scratch unless fine-tuning is asked for (then for half the epochs).
        Assert.False(spec.Defense.FineTune);
        var tuned = From(("MIDIGENRE_PROFILE", "cpu"), ("MIDIGENRE_ADV_FINETUNE", "1")).Defense;
        Assert.Equal((true, 4), (tuned.FineTune, tuned.EpochsFor(8)));
        // A real catalog's columns and classes reach the data source the notebooks load (ASAP, say).
        var asap = From(
            ("MIDIGENRE_PROFILE", "smoke"),
            ("MIDIGENRE_FILE_COLUMN", "midi_performance"),
            ("MIDIGENRE_PIECE_COLUMN", "folder"),
            ("MIDIGENRE_CLASSES", "Bach,Chopin"),
            ("MIDIGENRE_MIN_PIECES", "3")
        ).Source;
        Assert.Equal(
            ("midi_performance", "folder", "Bach,Chopin", 3),
            (asap.FileColumn, asap.PieceColumn, asap.Classes, asap.MinPieces)
        );
        foreach (
            var (name, value, says) in new[]
            {
                ("MIDIGENRE_ADV_METHOD", "madry", "pgd, fast, free, trades"),
                ("MIDIGENRE_SEED", "one", "whole number"),
                ("MIDIGENRE_PROFILE", "laptop", "smoke (seconds: tests and CI) | cpu"),
                ("MIDIGENRE_CHECKPOINT", "first", "best"),
                ("MIDIGENRE_MIN_PIECES", "0", "at least 1"),
                ("MIDIGENRE_ADV_FINETUNE", "yes", "1 fine-tunes"),
            }
        )
        {
            var e = Assert.Throws<RunSpecException>(() => From((name, value), ("MIDIGENRE_PROFILE", "smoke")));
            Assert.Contains(name, e.Message);
            Assert.Contains(says, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void A_sweep_that_leaves_out_the_defenses_eps_is_refused_before_any_work()
    {
        var source = new DataSource(Path.Combine(smoke.Root, "data"));
        var e = Assert.Throws<RunSpecException>(() =>
            new RunSpec("smoke", Path.Combine(smoke.Root, "eps"), source, epsilons: [0, 0.02, 0.1])
        );
        Assert.Contains("ε = 0.05", e.Message);
        Assert.Contains("add it", e.Message);
        var spec = new RunSpec("smoke", Path.Combine(smoke.Root, "eps"), source, epsilons: [0, 0.1 / 2]);
        Assert.Equal([0, 0.05], spec.Sweep.Budgets);
        // Examples are saved at the defense's ε also when a budget is computed (0.15 − 0.1 = 0.04999…).
        Assert.True(new Attacks.MidiExamples("x", OnlyAt: 0.05).At(0.15 - 0.1));
    }

    [Fact]
    public void An_unknown_adversarial_training_method_is_refused_with_the_known_ones()
    {
        var e = Assert.Throws<DefenseException>(() => new AdversarialTraining(Method: "trades"));
        Assert.Contains("pgd, fast, free", e.Message);
        Assert.Throws<DefenseException>(() => AdversarialTraining.CheckMethod("PGD"));
        Assert.Equal("free", new AdversarialTraining(Method: "free").Method);
    }
}

using MidiGenre.Attacks;
using MidiGenre.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

/// <summary>APGD, Square, the AutoAttack ensemble and the PGD that stays valid MIDI.</summary>
[Collection("torch")]
public class RobustEvaluationTests(SmokeData smoke)
{
    [Fact]
    public void The_pgd_trace_climbs_the_loss_step_by_step_from_the_clean_figures()
    {
        var trace = PgdTrace.Run(smoke.Trained, smoke.Data.Test, eps: 0.05, steps: 5, seed: 3, segments: 16);
        Assert.Equal(16, trace.Segments);
        Assert.Equal(6, trace.Loss.Length); // step 0 (the random start) … step 5
        var batch = smoke.Data.Test.Batches(16, Data.Augmentation.Eval, prefetch: 0).First();
        using (batch)
        using (TorchSharp.torch.no_grad())
        {
            var logits = smoke.Trained.forward(batch.X);
            double accuracy = logits.argmax(1).eq(batch.Y).sum().item<long>() / 16.0;
            Assert.Equal(accuracy, trace.CleanAccuracy, 5);
        }
        Assert.True(
            trace.Loss[^1] > trace.Loss[0],
            $"PGD's steps did not raise the loss: {string.Join(", ", trace.Loss)}"
        );
        Assert.True(trace.Loss[^1] > trace.CleanLoss);
        Assert.True(trace.Accuracy[^1] <= trace.Accuracy[0]);
        // Reproducible: the trace draws its random start from its own named stream.
        Assert.Equal(trace.Loss, PgdTrace.Run(smoke.Trained, smoke.Data.Test, 0.05, 5, 3, 16).Loss);
        // One run, every step: its k-th point is what PGD stopped after k steps returns (same start, same α).
        using var b = smoke.Data.Test.Batches(16, Data.Augmentation.Eval, prefetch: 0).First();
        foreach (int k in new[] { 0, 2, 5 })
        {
            using var random = Common.RandomStream.Of(3, "pgd-trace", 0);
            var pgd = new Pgd(0.05, Pgd.DefaultAlpha(0.05, 5), k, Norm.LInf, randomStart: true, 3);
            using var adv = pgd.Perturb(smoke.Trained, b.X, b.Y, random);
            Assert.Equal(MeanLoss(smoke.Trained, adv, b.Y), trace.Loss[k], 4);
        }
    }

    const double Eps = 0.02;

    AttackResult Evaluate(Attack attack) =>
        AttackEvaluator.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, attack, batchSize: 8);

    static float MeanLoss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var _ = no_grad();
        return nn.functional.cross_entropy(model.forward(x), y).item<float>();
    }

    [Fact]
    public void Apgd_checkpoints_follow_the_papers_schedule()
    {
        // Croce & Hein (2020), §3.2: p = 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 of 100 iterations.
        Assert.Equal([22, 41, 57, 70, 80, 87, 93, 99], Apgd.Checkpoints(100));
        Assert.Equal([3, 5, 6, 7, 8, 9], Apgd.Checkpoints(10));
    }

    [Fact]
    public void Apgd_on_30_steps_is_at_least_as_strong_as_pgd_10()
    {
        var pgd = Evaluate(AttackFactory.Create("pgd", Eps, 10, seed: 3));
        // Three times PGD's steps: APGD's 2ε first step needs room to halve (on 10 steps it trails PGD-10 here).
        var apgd = Evaluate(AttackFactory.Create("apgd-ce", Eps, 30, seed: 3));
        Assert.True(apgd.SuccessRate > 0);
        Assert.True(
            apgd.SegmentRobustAccuracy <= pgd.SegmentRobustAccuracy,
            $"APGD-CE robust {apgd.SegmentRobustAccuracy:P1} > PGD-10 {pgd.SegmentRobustAccuracy:P1}"
        );
    }

    /// <summary>Its loss peaks inside the ε-ball, at onset level s* (the mean of the onset channel), and it can never
    /// be fooled: z₀ = 10, z₁ = −k (s − s*)². A sign step moves s by the whole step, so a fixed step circles s* at a
    /// distance of up to the step; only a step that shrinks when the loss stops rising gets close.</summary>
    sealed class PeakedLossModel(float peak) : nn.Module<Tensor, Tensor>("peaked")
    {
        public override Tensor forward(Tensor x)
        {
            var s = x[.., 0].mean([1, 2]);
            return stack([full_like(s, 10f), -(s - peak).square() * 1e4f], 1);
        }
    }

    [Fact]
    public void Apgd_halves_its_step_and_settles_on_a_peak_where_a_fixed_step_pgd_circles_it()
    {
        const double eps = 0.1;
        var x = full(4, 2, 400, 128, 0.5f); // the onset channel mid-range: no clamping at 0 or 1
        var y = zeros(4, ScalarType.Int64);
        float peak = (float)(0.5 + 0.63 * eps);
        var model = new PeakedLossModel(peak);
        double Miss(Tensor adv) => (adv[.., 0].mean([1, 2]) - peak).abs().max().item<float>() / eps;
        double byPgd = Miss(AttackFactory.Create("pgd", eps, 20, seed: 1).Perturb(model, x, y));
        double byApgd = Miss(AttackFactory.Create("apgd-ce", eps, 20, seed: 1).Perturb(model, x, y));
        // PGD's step is 2.5 ε / 20 = 0.125 ε; halving from 2 ε, APGD ends within a few hundredths of ε.
        Assert.True(byApgd < 0.03, $"APGD ends {byApgd:F3} ε from the peak");
        Assert.True(byApgd < byPgd, $"APGD {byApgd:F3} ε vs PGD {byPgd:F3} ε from the peak");
    }

    [Fact]
    public void Every_result_records_its_attacks_configuration_and_the_two_autoattacks_read_apart()
    {
        var pgd5 = Evaluate(AttackFactory.Create("pgd", Eps, 5, seed: 3));
        var pgd10 = Evaluate(AttackFactory.Create("pgd", Eps, 10, seed: 3));
        Assert.Equal(
            ("pgd", "5", "10"),
            (pgd5.Configuration["attack"], pgd5.Configuration["steps"], pgd10.Configuration["steps"])
        );
        Assert.NotEqual(pgd5.Configuration["step_size"], pgd10.Configuration["step_size"]);
        // Saved and read back, the configuration stays (report.json can tell PGD-5 from PGD-10).
        string path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        Common.JsonFiles.Write(path, pgd5);
        Assert.Equal(pgd5.Configuration, Common.JsonFiles.Read<AttackResult>(path).Configuration);
        File.Delete(path);
        // A result is known as an attack's by its configuration's contents, not the order a file kept its keys in.
        var pgd5Attack = AttackFactory.Create("pgd", Eps, 5, seed: 3);
        Assert.True(pgd5Attack.Made(pgd5.Configuration.Reverse().ToDictionary()));
        Assert.False(pgd5Attack.Made(pgd10.Configuration));
        Assert.False(pgd5Attack.Made(pgd5.Configuration.Where(kv => kv.Key != "steps").ToDictionary()));

        var cheap = AttackFactory.Create(AutoAttack.CheapName, Eps, 10).Configuration;
        var standard = AttackFactory.Create(AutoAttack.StandardName, Eps, 10).Configuration;
        Assert.Equal(("20", "50"), (cheap["apgd_steps"], cheap["square_queries"]));
        Assert.Equal(("100", "5000"), (standard["apgd_steps"], standard["square_queries"]));
        Assert.StartsWith("9", standard["target_classes"]);
        Assert.StartsWith("cheap", cheap["variant"]);
        Assert.Contains(AutoAttack.CheapName, AttackFactory.Names);
        Assert.DoesNotContain("autoattack", AttackFactory.Names); // no name that could mean either
    }

    [Fact]
    public void Apgd_t_tries_at_most_classes_minus_one_targets()
    {
        // Nine target classes asked for on a model of fewer classes: only classes − 1 targets exist, so asking for
        // more changes nothing (before, the last target was tried again and again with new random starts).
        int k = smoke.Data.Classes.Count;
        Assert.True(k - 1 < 9, $"the smoke model has {k} classes");
        var nine = new Apgd(Eps, 5, ApgdLoss.TargetedDlr, restarts: 9, seed: 3);
        var one = new Apgd(Eps, 5, ApgdLoss.TargetedDlr, restarts: k - 1, seed: 3);
        using var b = smoke.Data.Test.Batches(8, Data.Augmentation.Eval, prefetch: 0).First();
        using var r9 = Common.RandomStream.Of(3, "t", 0);
        using var r1 = Common.RandomStream.Of(3, "t", 0);
        using var a9 = nine.Perturb(smoke.Trained, b.X, b.Y, r9);
        using var a1 = one.Perturb(smoke.Trained, b.X, b.Y, r1);
        Assert.True(a9.eq(a1).all().item<bool>());
    }

    [Fact]
    public void Autoattack_counts_a_segment_robust_only_if_no_member_fools_it()
    {
        var auto = Evaluate(AttackFactory.Create(AutoAttack.CheapName, Eps, 10, seed: 3));
        var members = new[] { "apgd-ce", "apgd-dlr", "square", "pgd" }
            .Select(n => Evaluate(AttackFactory.Create(n, Eps, 10, seed: 3)))
            .ToList();
        foreach (var m in members.Take(3))
            Assert.True(
                auto.SegmentRobustAccuracy <= m.SegmentRobustAccuracy,
                $"AutoAttack robust {auto.SegmentRobustAccuracy:P1} > {m.Attack} {m.SegmentRobustAccuracy:P1}"
            );
        // Against PGD-10, which is not one of its members, the ensemble is not a superset: PGD's random start may find
        // a point for a segment that APGD's path misses. It may trail PGD by at most one segment here.
        Assert.True(
            auto.SegmentRobustAccuracy <= members[3].SegmentRobustAccuracy + 1.0 / auto.Segments + 1e-9,
            $"AutoAttack robust {auto.SegmentRobustAccuracy:P2} > PGD-10 {members[3].SegmentRobustAccuracy:P2} "
                + $"(segments {auto.Segments})"
        );
        Assert.True(auto.SuccessRate > 0, "the ensemble fooled nothing");
    }

    /// <summary>Decides by the mean velocity of the segment, rounded: the rounding's gradient is zero everywhere, so
    /// no gradient attack can see which way to go. Class 0 below the threshold, class 1 above.</summary>
    sealed class FlatGradientModel(float threshold) : nn.Module<Tensor, Tensor>("flat")
    {
        public override Tensor forward(Tensor x)
        {
            var level = (x[.., ^1].mean([1, 2]) / 127 * 1e4).round() / 1e4;
            return stack([threshold - level, level - threshold], 1) * 1000;
        }
    }

    [Fact]
    public void Square_fools_a_model_without_gradient_where_pgd_cannot()
    {
        var (x, _, _) = smoke.Data.Test.Batches(4, Augmentation.Eval).First();
        var y = zeros(x.shape[0], ScalarType.Int64);
        // Just above every segment's level: lifting the mean velocity by 0.375 ε crosses it. PGD's random start
        // lifts it by about ε / 4 (silent cells only go up), a stripe start by about ε / 2.
        float top = (x[.., 1].mean([1, 2]) / 127).max().item<float>();
        var model = new FlatGradientModel(top + (float)(0.375 * 0.1));
        model.eval();
        bool All(Tensor input, int label)
        {
            using var _ = no_grad();
            return model.forward(input).argmax(1).eq(label).all().item<bool>();
        }
        Assert.True(All(x, 0), "the clean segments must be class 0");
        var byPgd = AttackFactory.Create("pgd", 0.1, 10, seed: 1).Perturb(model, x, y);
        var bySquare = AttackFactory.Create("square", 0.1, 10, seed: 1).Perturb(model, x, y);
        Assert.True(All(byPgd, 0), "PGD found a way without a gradient");
        Assert.True(All(bySquare, 1), "Square did not fool the model");
        float maxDelta = ((bySquare - x) / Attack.UnitScale(x)).abs().max().item<float>();
        Assert.True(maxDelta <= 0.1 + 1e-5, $"Square left the ε-ball: {maxDelta}");
    }

    [Fact]
    public void Realizable_pgd_only_ever_plays_valid_midi_and_raises_the_loss()
    {
        var (x, y, _) = smoke.Data.Test.Batches(8, Augmentation.Eval).First();
        var attack = AttackFactory.Create("pgd-midi", 0.05, 10, seed: 2);
        var adv = attack.Perturb(smoke.Trained, x, y);
        // Already music: realising it as MIDI and reading it back changes no cell.
        var (realised, _) = Realizer.Realize(adv, reference: x);
        Assert.True(realised.eq(adv).all().item<bool>(), "the attack's output changed when written as MIDI");
        // Only velocities of existing notes move, by whole units within ε × 127 (+ rounding) and never to silence;
        // onsets stay, plus one at the segment's start for each note sounding into it (as MIDI gives it).
        Assert.True(adv[.., 1].gt(0).eq(x[.., 1].gt(0)).all().item<bool>(), "a note was added, removed or cut");
        var onsetChange = adv[.., 0] - x[.., 0];
        Assert.True(onsetChange[.., 1..].abs().max().item<float>() == 0, "an onset moved after the first bin");
        Assert.True(adv.frac().abs().max().item<float>() == 0, "a velocity is not a whole number");
        float change = (adv[.., 1] - x[.., 1]).abs().max().item<float>();
        Assert.True(change > 0 && change <= 0.05 * 127 + 0.5, $"largest velocity change {change}");
        Assert.True(MeanLoss(smoke.Trained, adv, y) > MeanLoss(smoke.Trained, x, y) + 0.01, "the loss did not rise");
    }

    [Fact]
    public void Realizable_pgd_succeeds_as_midi_as_often_as_on_the_tensor()
    {
        // The smoke model hardly listens to velocities: it takes a large budget (±63) to fool it at all.
        var r = Evaluate(AttackFactory.Create("pgd-midi", 0.5, 10, seed: 2));
        Assert.True(r.SuccessRate > 0, "pgd-midi fooled nothing");
        Assert.True(
            Math.Abs(r.SuccessRate - r.RealizedSuccessRate) <= 0.05,
            $"tensor {r.SuccessRate:P1} vs MIDI {r.RealizedSuccessRate:P1}"
        );
        Assert.Equal(0, r.Size.NotesAdded);
        Assert.Equal(0, r.Size.NotesRemoved);
    }

    [Fact]
    public void A_transfer_attack_from_the_model_itself_is_the_white_box_one_and_from_another_model_is_weaker()
    {
        var pgd = () => AttackFactory.Create("pgd", Eps, 10, seed: 3);
        var white = Evaluate(pgd());
        var self = AttackEvaluator.Run(
            smoke.Trained,
            smoke.Data.Test,
            smoke.Data.Classes,
            pgd(),
            8,
            source: new TransferSource(smoke.Trained, "itself")
        );
        Assert.Equal(white.SegmentRobustAccuracy, self.SegmentRobustAccuracy);
        Assert.Equal("itself", self.SourceModel);
        Assert.Null(white.SourceModel);
        manual_seed(11);
        var stranger = Models.ModelFactory.Create("convnet", 2, smoke.Data.Classes.Count);
        stranger.eval();
        var moved = AttackEvaluator.Run(
            smoke.Trained,
            smoke.Data.Test,
            smoke.Data.Classes,
            pgd(),
            8,
            source: new TransferSource(stranger, "untrained")
        );
        // Crafted on an untrained net, the examples aim at nothing the trained model relies on.
        Assert.True(
            moved.SuccessRate < white.SuccessRate,
            $"transfer {moved.SuccessRate:P1} vs white-box {white.SuccessRate:P1}"
        );
    }

    [Fact]
    public void A_transfer_source_with_other_classes_or_channels_is_refused_before_any_work()
    {
        var settings = Training.TrainSettings.ForProfile("smoke");
        Training.CheckpointMeta Meta(string[] classes, int channels = 2) =>
            new(settings with { InputChannels = channels }, classes, 1, [], 0, 1, "synthetic");
        var model = Models.ModelFactory.Create("convnet", 2, 2);
        var reordered = Assert.Throws<TransferMismatchException>(() =>
            TransferSource.For(model, Meta(["b", "a"]), Meta(["a", "b"]), "other")
        );
        Assert.Contains("same classes in the same order", reordered.Message);
        Assert.Throws<TransferMismatchException>(() =>
            TransferSource.For(model, Meta(["a", "b"], 1), Meta(["a", "b"]), "x")
        );
        Assert.Equal("ok", TransferSource.For(model, Meta(["a", "b"]), Meta(["a", "b"]), "ok").Name);
    }

    [Fact]
    public void Sanity_checks_pass_on_an_honest_sweep_and_fail_when_an_attack_lowers_the_loss()
    {
        var spec = new AttackSweepSpec(["pgd", AutoAttack.CheapName], [0, Eps], 10, 3);
        var rows = AttackSweep.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, spec);
        var checks = SanityChecks.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, spec, rows);
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Check}: {c.Measured}"));
        Assert.Contains(checks, c => c.Check.Contains("unbounded"));
        Assert.Contains(checks, c => c.Check.Contains("20 steps"));
        Assert.Contains(checks, c => c.Check.StartsWith("AutoAttack is not above PGD"));
        Assert.Equal(2, checks.Count(c => c.Check.EndsWith("raises the loss")));
        // An "attack" whose loss went down (a sign error, or a step against the gradient) is caught.
        var broken = rows.Select(r => r.Budget > 0 ? r with { AdversarialLoss = r.CleanLoss - 0.1 } : r).ToList();
        var caught = SanityChecks.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, spec, broken);
        Assert.Equal(2, caught.Count(c => !c.Passed && c.Check.EndsWith("raises the loss")));
    }

    [Fact]
    public void A_targeted_sweeps_sanity_checks_compare_targeted_attacks()
    {
        // The check of a targeted PGD-3 row must run a targeted PGD-6, not an untargeted one.
        var spec = new AttackSweepSpec(["pgd"], [0.05], 3, 3, targeted: true);
        var rows = AttackSweep.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, spec);
        var checks = SanityChecks.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, spec, rows);
        var longer = Assert.Single(checks, c => c.Check.Contains("6 steps"));
        Assert.StartsWith("targeted PGD with 6 steps is not above targeted PGD-3", longer.Check);
        var targeted6 = AttackEvaluator.Run(
            smoke.Trained,
            smoke.Data.Test,
            smoke.Data.Classes,
            AttackFactory.Create("pgd", 0.05, 6, 3, targeted: true)
        );
        string robust = targeted6.SegmentRobustAccuracy.ToString(
            "P1",
            System.Globalization.CultureInfo.InvariantCulture
        );
        Assert.StartsWith($"robust {robust} vs ", longer.Measured);
        Assert.Contains(checks, c => c.Check.StartsWith("unbounded targeted PGD"));
    }
}

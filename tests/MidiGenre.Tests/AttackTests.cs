using FsCheck.Xunit;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Experiments;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

[Collection("torch")]
public class AttackTests(SmokeData smoke)
{
    static (Tensor X, Tensor Y) Batch(SmokeData s) =>
        s.Data.Test.Batches(4, Augmentation.Eval).First() is var (x, y, _) ? (x, y) : default;

    static nn.Module<Tensor, Tensor> Model()
    {
        manual_seed(5);
        var m = ModelFactory.Create("convnet", 2, 6);
        m.eval();
        return m;
    }

    [Theory]
    [InlineData("fgsm", 0.05)]
    [InlineData("pgd", 0.05)]
    [InlineData("velocity", 0.1)]
    public void Linf_attacks_stay_in_the_ball_and_the_valid_range_and_raise_the_loss(string name, double eps)
    {
        var (x, y) = Batch(smoke);
        var model = smoke.Trained; // an untrained net is nearly flat: its loss barely moves, whatever the input
        var adv = AttackFactory.Create(name, eps, 3).Perturb(model, x, y);
        var unit = tensor(new float[] { 1f, 127f }).reshape(1, 2, 1, 1);
        double maxDelta = ((adv - x) / unit).abs().max().item<float>();
        Assert.True(maxDelta <= eps + 1e-5, $"max |δ| = {maxDelta}");
        Assert.True(adv.min().item<float>() >= 0);
        Assert.True(adv[.., 0].max().item<float>() <= 1 && adv[.., 1].max().item<float>() <= 127);
        Assert.True(maxDelta > 0, "the attack changed nothing");
        // A step against the gradient, or a random one, would pass the checks above: the loss must go up.
        float before = Loss(model, x, y),
            after = Loss(model, adv, y);
        Assert.True(after > before + 0.05, $"{name}: loss {before} → {after}");
    }

    static float Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var _ = no_grad();
        return nn.functional.cross_entropy(model.forward(x), y).item<float>();
    }

    /// <summary>‖δ‖₂ per segment in normalised units, summed here in doubles from the raw values: not the attack's own
    /// norm, so a wrong norm inside the attack cannot hide behind the same mistake in the test.</summary>
    static double[] L2Norms(Tensor adv, Tensor x)
    {
        var a = adv.data<float>().ToArray();
        var c = x.data<float>().ToArray();
        int n = (int)x.shape[0],
            per = a.Length / n,
            perChannel = per / (int)x.shape[1];
        return Enumerable
            .Range(0, n)
            .Select(i =>
            {
                double sum = 0;
                for (int j = 0; j < per; j++)
                {
                    double scale = j / perChannel == 0 ? 1 : 127; // onsets 0…1, velocities 0…127
                    double d = (a[i * per + j] - c[i * per + j]) / scale;
                    sum += d * d;
                }
                return Math.Sqrt(sum);
            })
            .ToArray();
    }

    [Fact]
    public void Pgd_l2_stays_in_the_l2_ball_uses_it_and_raises_the_loss()
    {
        var (x, y) = Batch(smoke);
        var model = smoke.Trained;
        var adv = AttackFactory.Create("pgd-l2", 2.0, 5).Perturb(model, x, y);
        var norms = L2Norms(adv, x);
        Assert.All(norms, n => Assert.True(n <= 2.0 + 1e-3, $"‖δ‖₂ = {n}"));
        // A no-op or a random walk would fail these: the steps go up the loss, out to the ball's surface.
        Assert.All(norms, n => Assert.True(n > 1.0, $"‖δ‖₂ = {n}: the attack barely moved"));
        Assert.True(Loss(model, adv, y) > Loss(model, x, y) + 0.1, $"loss {Loss(model, x, y)} → {Loss(model, adv, y)}");
    }

    [Fact]
    public void Velocity_attack_changes_no_onsets_and_no_silent_cells()
    {
        var (x, y) = Batch(smoke);
        var adv = new VelocityAttack(0.2, 0.05, 3).Perturb(Model(), x, y);
        Assert.True(adv[.., 0].allclose(x[.., 0], rtol: 0, atol: 0));
        Assert.True(adv[.., 1].masked_select(x[.., 1].eq(0)).abs().sum().item<float>() == 0);
    }

    [Theory]
    [InlineData(InsertionRule.Any)]
    [InlineData(InsertionRule.ChordTones)]
    [InlineData(InsertionRule.BelowMelody)]
    public void Insertion_attacks_only_add_notes_and_respect_their_rule(InsertionRule rule)
    {
        var (x, y) = Batch(smoke);
        var adv = new NoteInsertionAttack(2, 8, 4, 64, rule).Perturb(Model(), x, y);
        Assert.True((adv - x).min().item<float>() >= 0, "insertion removed something");
        var newOnsets = (adv[.., 0] - x[.., 0]).gt(0);
        Assert.True(newOnsets.sum().item<long>() > 0, "no note was inserted");
        // At most the budget per column: 2 notes in each column of 8 bins.
        for (int col = 0; col < x.shape[2]; col += 8)
            Assert.True(newOnsets[.., col].sum(1).max().item<long>() <= 2);
        if (rule == InsertionRule.ChordTones)
        {
            // Every inserted pitch class is one of the three strongest pitch classes of the clean music around it.
            var frames = x[.., 1].data<float>().ToArray();
            var onsets = newOnsets.nonzero().data<long>().ToArray();
            int t = (int)x.shape[2];
            for (int k = 0; k < onsets.Length; k += 3)
            {
                int i = (int)onsets[k],
                    col = (int)onsets[k + 1],
                    p = (int)onsets[k + 2];
                var energy = new double[12];
                for (int tt = Math.Max(0, col - 16); tt < Math.Min(t, col + 16); tt++)
                for (int q = 0; q < 128; q++)
                    energy[q % 12] += frames[(i * t + tt) * 128 + q];
                var chord = Enumerable
                    .Range(0, 12)
                    .Where(pc => energy[pc] > 0)
                    .OrderByDescending(pc => energy[pc])
                    .Take(3);
                Assert.Contains(p % 12, chord);
            }
        }
        var (realized, _) = Realizer.Realize(adv);
        Assert.True(realized[.., 0].sum().item<float>() >= Realizer.Realize(x).Batch[.., 0].sum().item<float>());
        if (rule == InsertionRule.BelowMelody)
        {
            // No inserted cell may sit above the highest pitch sounding anywhere in its segment.
            var added = (adv - x)[.., 1].gt(0);
            for (int i = 0; i < x.shape[0]; i++)
            {
                var pitches = x[i, 1].gt(0).any(0).nonzero();
                int top = pitches.numel() == 0 ? -1 : (int)pitches.max().item<long>();
                var addedP = added[i].any(0).nonzero();
                if (addedP.numel() > 0)
                    Assert.True(addedP.max().item<long>() < top);
            }
        }
    }

    /// <summary>Any tensor, however perturbed, realises to a roll that survives MIDI exactly.</summary>
    [Property(MaxTest = 60)]
    public void Realized_rolls_round_trip_exactly_through_midi(int seed)
    {
        var rng = new Random(seed);
        int frames = 40;
        var seg = new float[2 * frames * 128];
        for (int i = 0; i < seg.Length; i++)
            if (rng.NextDouble() < 0.05)
                seg[i] = (float)(rng.NextDouble() * (i < frames * 128 ? 1.2 : 140) - 5);
        var roll = Realizer.Project(seg, 2, frames);
        var (again, midi) = Realizer.ThroughMidi(roll);
        Assert.True(roll.Equals(again), $"seed {seed}");
        Assert.True(midi.Length > 0);
    }

    [Fact]
    public void Random_baseline_adds_notes_inside_the_segments_pitch_range()
    {
        var (x, y) = Batch(smoke);
        var rnd = new RandomNoteAttack(1.0, seed: 1).Perturb(Model(), x, y);
        Assert.True(rnd[.., 0].sum().item<float>() > x[.., 0].sum().item<float>());
        Assert.True((rnd - x).min().item<float>() >= 0, "the random baseline removed something");
        for (int i = 0; i < x.shape[0]; i++)
        {
            // The segment's range: lowest and highest pitch that sounds anywhere in it (frames, axis 1 = time).
            var sounding = x[i, 1].gt(0).any(0).data<bool>().ToArray();
            int lo = Array.IndexOf(sounding, true),
                hi = Array.LastIndexOf(sounding, true);
            var added = (rnd[i, 0] - x[i, 0]).gt(0).any(0).data<bool>().ToArray();
            var outside = Enumerable.Range(0, 128).Where(p => added[p] && (p < lo || p > hi)).ToList();
            Assert.True(
                outside.Count == 0,
                $"segment {i}: notes added at {string.Join(", ", outside)}, range {lo}…{hi}"
            );
            Assert.Contains(true, added);
        }
    }

    [Fact]
    public void Every_call_and_every_evaluated_batch_draws_its_own_random_start()
    {
        // PGD with no steps returns its random start: x + δ₀.
        var (x, y) = Batch(smoke);
        var model = Model();
        var pgd = new Pgd(0.05, 0.01, 0, seed: 7);
        var first = pgd.Perturb(model, x, y);
        Assert.False(first.allclose(x), "the random start moved the batch");
        Assert.False(first.allclose(pgd.Perturb(model, x, y)), "a second call started from the same δ₀");
        using (var named = Common.RandomStream.Of(7, "evaluation", 0))
        using (var again = Common.RandomStream.Of(7, "evaluation", 0))
            Assert.True(pgd.Perturb(model, x, y, named).allclose(pgd.Perturb(model, x, y, again), rtol: 0, atol: 0));
        // The evaluator: one segment repeated, a batch each, so every batch holds the same input. With one δ₀ for
        // all, the four L2 sizes of the change would be equal and their mean would equal their median.
        var one = smoke.Data.Test.Pieces[0];
        var data = new SegmentDataset([one, one, one, one], new SegmentSpec(1), 2);
        var r = AttackEvaluator.Run(model, data, smoke.Data.Classes, new Pgd(0.05, 0.01, 0, seed: 7), batchSize: 1);
        Assert.True(r.Size.MeanL2 > 0);
        Assert.NotEqual(r.Size.MeanL2, r.Size.MedianL2, 6);
    }

    [Fact]
    public void Attacks_restore_the_models_mode_and_zero_budgets_are_no_ops()
    {
        var (x, y) = Batch(smoke);
        var model = Model();
        model.train();
        AttackFactory.Create("pgd", 0.05, 2).Perturb(model, x, y);
        Assert.True(model.training, "the attack left the model in eval mode");
        model.eval();
        Assert.True(AttackFactory.Create("pgd", 0, 2).IsNoOp);
        Assert.Throws<AttackBudgetException>(() => AttackFactory.Create("column", 0.5));
        Assert.Throws<AttackBudgetException>(() => AttackFactory.Create("deepfool", 0, targeted: true));
    }

    [Fact]
    public void Non_finite_figures_serialise_as_null_instead_of_failing()
    {
        string json = System.Text.Json.JsonSerializer.Serialize(
            new
            {
                rate = double.NaN,
                big = double.PositiveInfinity,
                ok = 0.5,
            },
            Common.JsonFiles.Options
        );
        Assert.Contains("\"rate\": null", json);
        Assert.Contains("\"big\": null", json);
        Assert.Contains("\"ok\": 0.5", json);
    }
}

[Collection("torch")]
public class PipelineTests(SmokeData smoke)
{
    [Fact]
    public void Smoke_pipeline_report_has_the_promised_shape_and_invariants()
    {
        // The real command, as a user runs it (same data folder as the shared fixture, so the corpus is reused).
        string outDir = Path.Combine(smoke.Root, "pipeline");
        var run = CliTests.Run(
            "pipeline",
            "--profile",
            "smoke",
            "--data",
            smoke.Root,
            "--seed",
            "1",
            "--out",
            outDir,
            "--eps",
            "0,0.05,0.1"
        );
        Assert.True(run.Code == 0, run.Err);
        Assert.Contains("test split", run.Out);
        var report = PipelineReport.Read(Path.Combine(outDir, "report.json"));
        var json = System
            .Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))
            .RootElement;
        foreach (
            var key in new[]
            {
                "profile",
                "dataset",
                "classes",
                "clean",
                "attacks",
                "adversarial_training",
                "baseline",
                "split",
            }
        )
            Assert.True(json.TryGetProperty(key, out _), key);
        Assert.Equal("smoke", json.GetProperty("profile").GetString());
        Assert.Equal("test", json.GetProperty("split").GetString());
        Assert.Equal("best", json.GetProperty("checkpoint").GetProperty("which").GetString());
        Assert.Equal(report.TestPerformances, smoke.Data.Test.Pieces.Count);
        Assert.InRange(report.Baseline!.PerformanceAccuracy, 0, 1);
        Assert.Contains("normalised velocity", json.GetProperty("attacks")[1].GetProperty("budget_unit").GetString());
        Assert.True(json.GetProperty("attacks")[0].TryGetProperty("realized_success_rate", out _));
        Assert.True(
            json.GetProperty("adversarial_training").GetProperty("retrained").TryGetProperty("robust_accuracy", out _)
        );

        foreach (var name in new[] { "fgsm", "pgd" })
        {
            var rows = report.Attacks.Where(a => a.Attack == name).OrderBy(a => a.Eps).ToList();
            Assert.Equal(report.Clean.SegmentAccuracy, rows[0].SegmentRobustAccuracy, 10); // ε = 0 changes nothing
            for (int i = 1; i < rows.Count; i++)
                Assert.True(
                    rows[i].SegmentRobustAccuracy <= rows[i - 1].SegmentRobustAccuracy + 0.05,
                    $"{name}: accuracy rose with ε"
                );
        }
        foreach (var pgd in report.Attacks.Where(a => a.Attack == "pgd"))
        {
            var fgsm = report.Attacks.Single(a => a.Attack == "fgsm" && a.Eps == pgd.Eps);
            Assert.True(
                pgd.SegmentRobustAccuracy <= fgsm.SegmentRobustAccuracy + 0.1,
                $"PGD weaker than FGSM at ε={pgd.Eps}"
            );
        }
        Assert.All(report.Attacks, a => Assert.InRange(a.SuccessRate, 0, 1));
        Assert.True(Directory.GetFiles(Path.Combine(outDir, "examples"), "*-adversarial.mid").Length > 0);
    }
}

[Collection("torch")]
public class TargetedAttackTests(SmokeData smoke)
{
    [Fact]
    public void Targeted_pgd_raises_the_target_probability()
    {
        var (x, y, _) = smoke.Data.Test.Batches(4, Augmentation.Eval).First();
        manual_seed(5);
        var m = ModelFactory.Create("convnet", 2, 6);
        m.eval();
        var target = Attack.TargetOf(y, 6); // the attack derives the same targets from the true labels
        var adv = new Pgd(0.1, 0.03, 5) { Targeted = true }.Perturb(m, x, y);
        using var _ = no_grad();
        float P(Tensor t) => nn.functional.softmax(m.forward(t), 1).gather(1, target.unsqueeze(1)).mean().item<float>();
        Assert.True(P(adv) > P(x), $"target probability {P(x)} → {P(adv)}");
    }

    [Fact]
    public void Targeted_success_means_the_target_was_predicted()
    {
        var data = smoke.Data.Test;
        var attack = AttackFactory.Create("pgd", 0.3, 10, targeted: true);
        var r = AttackEvaluator.Run(smoke.Trained, data, smoke.Data.Classes, attack);
        Assert.True(r.Targeted);
        Assert.NotNull(r.TargetSuccessRate);
        // Reaching the target implies leaving the true class, not the other way round.
        Assert.True(
            r.TargetSuccessRate <= r.SuccessRate + 1e-12,
            $"target {r.TargetSuccessRate} > left {r.SuccessRate}"
        );
        Assert.True(
            r.TargetSuccessRate > 0.3,
            $"targeted PGD at ε = 0.3 reached the target on {r.TargetSuccessRate:P0}"
        );
        var untargeted = AttackEvaluator.Run(
            smoke.Trained,
            data,
            smoke.Data.Classes,
            AttackFactory.Create("pgd", 0.3, 10)
        );
        Assert.Null(untargeted.TargetSuccessRate);
    }
}

[Collection("torch")]
public class DeepFoolTests(SmokeData smoke)
{
    [Fact]
    public void Deepfool_crosses_the_decision_boundary_of_most_segments()
    {
        var (x, _, _) = smoke.Data.Test.Batches(6, Augmentation.Eval).First();
        var m = smoke.Trained; // an untrained net is nearly flat: its logits barely move, whatever the input
        Tensor predicted;
        using (no_grad())
            predicted = m.forward(x).argmax(1);
        var adv = new DeepFool(50, 0.02).Perturb(m, x, predicted);
        long flipped;
        using (no_grad())
            flipped = m.forward(adv).argmax(1).ne(predicted).sum().item<long>();
        Assert.True(flipped >= 5, $"only {flipped} of 6 segments changed class");
        Assert.True(adv.min().item<float>() >= 0 && adv[.., 1].max().item<float>() <= 127);
    }

    [Fact]
    public void Deepfool_reports_the_size_it_needed_instead_of_a_budget()
    {
        var r = AttackEvaluator.Run(smoke.Trained, smoke.Data.Test, smoke.Data.Classes, new DeepFool(30));
        Assert.Null(r.Budget);
        Assert.Contains("smallest change", r.BudgetUnit);
        Assert.True(r.Size.MedianL2 > 0, "DeepFool reported no change");
        Assert.True(r.SuccessRate > 0.5, $"DeepFool flipped {r.SuccessRate:P0} of correct segments");
    }
}

public class RealizerTests
{
    [Fact]
    public void Frame_noise_on_silent_cells_adds_no_notes_but_marked_onsets_do()
    {
        const int frames = 8;
        var seg = new float[2 * frames * 128];
        int F(int t, int p) => frames * 128 + t * 128 + p;
        int O(int t, int p) => t * 128 + p;
        seg[O(1, 60)] = 1;
        for (int t = 1; t < 5; t++)
            seg[F(t, 60)] = 80; // a real note
        for (int t = 0; t < frames; t++)
            seg[F(t, 70)] = 3; // ε-noise from t = 0: continues into the segment
        for (int t = 2; t < frames; t++)
            seg[F(t, 72)] = 3; // ε-noise from t = 2, no onset: not a note
        seg[O(3, 74)] = 0.7f;
        seg[F(3, 74)] = 50;
        seg[F(4, 74)] = 50; // an inserted note with its onset
        seg[F(5, 60)] = 2; // the real note lengthened by one bin
        var roll = Realizer.Project(seg, 2, frames);
        // The lengthened note keeps one velocity: the rounded mean of 80, 80, 80, 80, 2.
        Assert.Equal(64, roll[1, 4, 60]);
        Assert.Equal(64, roll[1, 5, 60]);
        Assert.Equal(0, roll[0, 5, 60]);
        Assert.Equal(1, roll[0, 0, 70]);
        Assert.All(Enumerable.Range(0, frames), t => Assert.Equal(0, roll[1, t, 72]));
        Assert.Equal(1, roll[0, 3, 74]);
        Assert.Equal(50, roll[1, 4, 74]);
        Assert.True(roll.Equals(Realizer.ThroughMidi(roll).Roll));
        // With the clean segment as reference, only pitches sounding at its start may continue into it.
        var clean = new float[seg.Length];
        clean[O(1, 60)] = 1;
        for (int t = 1; t < 5; t++)
            clean[F(t, 60)] = 80;
        Assert.Equal(0, Realizer.Project(seg, 2, frames, clean)[1, 0, 70]);
        // … and a note of the clean segment is not lengthened into its silence: it keeps its 80.
        Assert.Equal(
            (80, 0),
            (Realizer.Project(seg, 2, frames, clean)[1, 4, 60], Realizer.Project(seg, 2, frames, clean)[1, 5, 60])
        );
        Assert.Equal(50, Realizer.Project(seg, 2, frames, clean)[1, 4, 74]); // the inserted note keeps its length
        clean[F(0, 70)] = 40;
        Assert.Equal(3, Realizer.Project(seg, 2, frames, clean)[1, 0, 70]);
    }
}

/// <summary>Realised examples are music: one note-on per note, one velocity per note, no note-on while the same
/// pitch sounds on that channel.</summary>
public class RealisedMusicTests
{
    const int Frames = 8;

    static int F(int t, int p) => Frames * 128 + t * 128 + p;

    static int O(int t, int p) => t * 128 + p;

    [Fact]
    public void A_velocity_change_inside_a_note_becomes_one_note_at_the_rounded_mean()
    {
        var seg = new float[2 * Frames * 128];
        seg[O(0, 60)] = 1;
        float[] perturbed = [100.2f, 90.4f, 110.3f, 101f]; // rounded 100, 90, 110, 101: mean 100.25
        for (int t = 0; t < 4; t++)
            seg[F(t, 60)] = perturbed[t];
        var notes = PianoRollDecoder.Decode(Realizer.Project(seg, 2, Frames));
        var note = Assert.Single(notes);
        Assert.Equal(
            (60, 100, 0L, 4L * PianoRollDecoder.TicksPerBin),
            (note.Pitch, note.Velocity, note.OnTick, note.OffTick)
        );
        // A second onset inside the run: two notes, back to back on one channel, each with its own mean.
        seg[O(2, 60)] = 0.8f;
        notes = PianoRollDecoder.Decode(Realizer.Project(seg, 2, Frames));
        Assert.Equal(2, notes.Count);
        Assert.Equal([95, 106], notes.Select(n => n.Velocity)); // (100 + 90) / 2; (110 + 101) / 2 = 105.5 → 106
        Assert.Equal(notes[0].OffTick, notes[1].OnTick);
        Assert.Equal(notes[0].Channel, notes[1].Channel);
    }

    /// <summary>Whatever the perturbation: as many notes as onsets, constant frames within each, no overlap of two
    /// notes of one pitch on one channel.</summary>
    [Property(MaxTest = 60)]
    public void Any_perturbed_segment_realises_to_one_note_per_onset_without_stacking(int seed)
    {
        var rng = new Random(seed);
        int frames = 40;
        var seg = new float[2 * frames * 128];
        for (int p = 50; p < 60; p++)
        for (int t = 0; t < frames; t++)
        {
            if (rng.NextDouble() < 0.15)
                seg[t * 128 + p] = (float)rng.NextDouble() * 1.2f;
            if (rng.NextDouble() < 0.6)
                seg[(frames + t) * 128 + p] = (float)(rng.NextDouble() * 140 - 5);
        }
        var roll = Realizer.Project(seg, 2, frames);
        var notes = PianoRollDecoder.Decode(roll);
        int onsets = 0;
        for (int t = 0; t < frames; t++)
        for (int p = 0; p < 128; p++)
            onsets += roll[PianoRoll.Onset, t, p];
        Assert.Equal(onsets, notes.Count);
        AssertNoStackedNotes(notes, $"seed {seed}");
    }

    public static void AssertNoStackedNotes(IEnumerable<Midi.MidiNote> notes, string what)
    {
        foreach (var key in notes.GroupBy(n => (n.Channel, n.Pitch)))
        {
            var sorted = key.OrderBy(n => n.OnTick).ToList();
            for (int i = 1; i < sorted.Count; i++)
                Assert.True(
                    sorted[i].OnTick >= sorted[i - 1].OffTick,
                    $"{what}: pitch {key.Key.Pitch} starts again at tick {sorted[i].OnTick} while it sounds"
                );
        }
    }
}

[Collection("torch")]
public class SavedExampleTests(SmokeData smoke)
{
    [Theory]
    [InlineData("velocity", 0.05)]
    [InlineData("pgd", 0.05)]
    [InlineData("fgsm", 0.05)]
    public void Saved_adversarial_midi_keeps_the_originals_notes_without_stacking(string attack, double eps)
    {
        string dir = Directory.CreateTempSubdirectory("examples").FullName;
        AttackEvaluator.Run(
            smoke.Trained,
            smoke.Data.Test,
            smoke.Data.Classes,
            AttackFactory.Create(attack, eps, 3),
            saveMidiDir: dir,
            saveExamples: 3
        );
        var pairs = Directory.GetFiles(dir, "*-original.mid");
        Assert.Equal(3, pairs.Length);
        foreach (var original in pairs)
        {
            var before = Midi.MidiReader.Read(original).Notes;
            var after = Midi.MidiReader.Read(original.Replace("-original", "-adversarial")).Notes;
            // These attacks add no notes; a note can only vanish if its velocity falls to 0.
            if (attack == "velocity")
                Assert.Equal(before.Count, after.Count);
            else
                Assert.InRange(after.Count, before.Count * 9 / 10, before.Count);
            RealisedMusicTests.AssertNoStackedNotes(after, Path.GetFileName(original));
            // Each note keeps its place and length; its velocity moves by at most ε·127 (rounded).
            var starts = before.Select(n => (n.Pitch, n.OnTick)).ToHashSet();
            Assert.All(after, n => Assert.Contains((n.Pitch, n.OnTick), starts));
            var velocity = before.ToDictionary(n => (n.Pitch, n.OnTick), n => n.Velocity);
            Assert.All(
                after,
                n => Assert.InRange(Math.Abs(n.Velocity - velocity[(n.Pitch, n.OnTick)]), 0, eps * 127 + 1)
            );
        }
        Directory.Delete(dir, true);
    }
}

[Collection("torch")]
public class CleanReferenceTests(SmokeData smoke)
{
    [Fact]
    public void Clean_predictions_are_reused_per_model_and_recomputed_when_weights_change()
    {
        manual_seed(6);
        var m = ModelFactory.Create("convnet", 2, 6);
        m.eval();
        var data = smoke.Data.Test;
        var first = CleanReference.For(m, data);
        Assert.Same(first, CleanReference.For(m, data));
        Assert.Equal(Evaluation.Evaluator.Predict(m, data).Probabilities, first.Probabilities);

        using (no_grad())
            m.parameters().Last()[0].add_(2f); // class 0's bias in the classifier: every prediction moves
        var after = CleanReference.For(m, data);
        Assert.NotSame(first, after);
        Assert.Equal(Evaluation.Evaluator.Predict(m, data).Probabilities, after.Probabilities);
        Assert.NotEqual(first.Probabilities[0], after.Probabilities[0]);
    }

    [Fact]
    public void Clean_segments_are_realised_once_and_kept_exactly()
    {
        var reference = CleanReference.For(smoke.Trained, smoke.Data.Test);
        var (x, _, idx) = smoke.Data.Test.Batches(4, Augmentation.Eval).First();
        var fresh = Realizer.Realize(x).Rolls;
        var first = reference.RealizedRolls(x, idx);
        // Kept: a batch of zeros under the same indices still gets the clean segments' rolls back, bit for bit.
        var kept = reference.RealizedRolls(zeros_like(x), idx);
        Assert.Equal(fresh, first);
        Assert.Equal(fresh, kept);
        Assert.Contains(kept, r => r.CountOnsets() > 0);
    }
}

[Collection("torch")]
public class Bf16Tests(SmokeData smoke)
{
    [Fact]
    public void Bf16_inference_agrees_with_float32_and_attacks_still_get_float32_gradients()
    {
        var data = smoke.Data.Test;
        var copy = ModelFactory.Create(Training.TrainSettings.ForProfile("smoke").Arch, 2, smoke.Data.Classes.Count);
        copy.load_state_dict(smoke.Trained.state_dict()); // the shared fixture stays float32
        var half = new Bf16Inference(copy);
        half.eval();
        var p32 = Evaluation.Evaluator.Predict(smoke.Trained, data);
        var p16 = Evaluation.Evaluator.Predict(half, data);
        int agree = Enumerable.Range(0, data.Count).Count(k => p32.Predicted(k) == p16.Predicted(k));
        Assert.True(agree >= 0.9 * data.Count, $"bf16 agrees with float32 on {agree} of {data.Count} segments");

        var (x, y, _) = data.Batches(4, Augmentation.Eval).First();
        var adv = new Pgd(0.05, 0.01, 3, Norm.LInf, randomStart: false).Perturb(half, x, y);
        Assert.Equal(ScalarType.Float32, adv.dtype);
        Assert.True(adv.sub(x).abs().max().item<float>() > 0, "the bf16 model's gradient reached the float32 input");
    }
}

[Collection("torch")]
public class ListenAndLookTests(SmokeData smoke)
{
    [Fact]
    public void The_player_carries_every_note_of_the_roll_with_its_timing()
    {
        var roll = new PianoRoll(40);
        roll[PianoRoll.Onset, 0, 60] = 1;
        for (int t = 0; t < 10; t++)
            roll[PianoRoll.Frame, t, 60] = 90;
        roll[PianoRoll.Onset, 10, 60] = 1;
        for (int t = 10; t < 14; t++)
            roll[PianoRoll.Frame, t, 60] = 40; // re-struck
        roll[PianoRoll.Onset, 20, 67] = 1;
        roll[PianoRoll.Frame, 20, 67] = 70;
        var html = Charts.Audio.Of("test", ("play", roll)).Html;
        Assert.Contains("[[0,0.5,60,90],[0.5,0.2,60,40],[1,0.05,67,70]]", html);
        Assert.Contains("createOscillator", html);
    }

    [Fact]
    public void Saliency_is_a_gradient_map_over_the_segment()
    {
        var preds = Evaluation.Evaluator.Predict(smoke.Trained, smoke.Data.Test);
        var (right, _) = Evaluation.Saliency.Examples(preds);
        Assert.True(right >= 0);
        var s = Evaluation.Saliency.For(smoke.Trained, smoke.Data.Test, right, smoke.Data.Classes);
        Assert.Equal(128, s.Map.Length);
        Assert.Equal(smoke.Data.Test.Spec.CropBins, s.Map[0].Length);
        Assert.True(s.Map.SelectMany(r => r).Max() > 0, "the gradient is zero everywhere");
        Assert.Equal(s.Truth, s.Predicted);
        Assert.True(s.Roll.CountOnsets() > 0);
    }

    [Fact]
    public void Saliency_per_class_averages_the_correct_segments_of_each_class()
    {
        var data = smoke.Data.Test;
        var preds = Evaluation.Evaluator.Predict(smoke.Trained, data);
        var s = Evaluation.Saliency.ByClass(smoke.Trained, data, smoke.Data.Classes);
        for (int c = 0; c < smoke.Data.Classes.Count; c++)
        {
            int correct = Enumerable
                .Range(0, data.Count)
                .Count(k => data.Pieces[data.Segments[k].Piece].Label == c && preds.Predicted(k) == c);
            Assert.Equal(correct, s.Segments[c]);
            if (correct > 0)
                Assert.True(s.ByPitch[c].Max() > 0, $"class {c}: the gradient is zero everywhere");
            else
                Assert.All(s.ByPitch[c], v => Assert.True(double.IsNaN(v)));
        }
        // Where the test segments hold notes: the pitch range the figure shows.
        Assert.InRange(s.NoteRange.Low, 0, s.NoteRange.High);
        Assert.True(s.NoteRange.High - s.NoteRange.Low >= 12, "the synthetic test notes span at least an octave");
        var figure = Charts.Figures.SaliencyByClass(s, "per class");
        Assert.Equal(s.NoteRange.High - s.NoteRange.Low + 1 + 4, figure.Spec["data"]![0]!["z"]!.AsArray().Count);
    }
}

/// <summary>The scoring arithmetic on a hand-built outcome, every figure worked out by hand: 4 pieces × 2 segments,
/// truth [0 0 | 0 0 | 1 1 | 1 1]; the model gets all but the last segment right before the attack.</summary>
public class AttackScoringTests
{
    static float[] P(int predicted, float confidence = 0.9f) =>
        predicted == 0 ? [confidence, 1 - confidence] : [1 - confidence, confidence];

    static AttackResult Score(Attack attack)
    {
        var pieces = Enumerable
            .Range(0, 4)
            .Select(i => new Piece($"p{i}", $"piece {i}", i / 2, NoteSpans.Empty))
            .ToList();
        var data = new SegmentDataset(pieces, new SegmentSpec(2));
        float[][] clean = [P(0), P(0), P(0), P(0), P(1), P(1), P(1), P(0)];
        var reference = new CleanReference(data, 0, clean, clean);
        var outcome = new AttackOutcome(8);
        // Piece 0 ties 1–1 and is won on mean softmax by class 0 (0.65); piece 2 ties and is won by class 1 (0.675).
        float[][] adversarial = [P(1, 0.6f), P(0), P(1), P(1), P(0, 0.55f), P(1), P(1), P(1)];
        float[][] realized = [P(0), P(0), P(0), P(0), P(1), P(1), P(1), P(1)];
        for (int s = 0; s < 8; s++)
        {
            outcome.Adversarial[s] = adversarial[s];
            outcome.Realized[s] = realized[s];
            outcome.L2[s] = 8 - s; // 8 … 1: median of an even count = 4.5
            int i = s + 1;
            outcome.Diffs[s] = new RollDiff(i, 1, i * i, i, 10 * i); // mean |Δv| i over i cells
        }
        return AttackScoring.Score(attack, data, ["a", "b"], reference, outcome, seconds: 4);
    }

    [Fact]
    public void Losses_are_the_mean_cross_entropy_of_the_true_class_before_and_after()
    {
        var r = Score(new Fgsm(0.05));
        // Segments 0–3 are class 0, 4–7 class 1 (two pieces each). Clean: seven at p = 0.9, s7 at 0.1.
        double clean = (7 * -Math.Log(0.9) - Math.Log(0.1)) / 8;
        double adversarial =
            (-Math.Log(0.4) - Math.Log(0.9) - 2 * Math.Log(0.1) - Math.Log(0.45) - 3 * Math.Log(0.9)) / 8;
        Assert.Equal(clean, r.CleanLoss, 5);
        Assert.Equal(adversarial, r.AdversarialLoss, 5);
        var pieces = Enumerable
            .Range(0, 4)
            .Select(i => new Piece($"p{i}", $"piece {i}", i / 2, NoteSpans.Empty))
            .ToList();
        float[][] probabilities = [P(0), P(0), P(0), P(0), P(1), P(1), P(1), P(0)];
        var predictions = new Evaluation.SegmentPredictions(
            new SegmentDataset(pieces, new SegmentSpec(2)),
            probabilities
        );
        Assert.Equal(clean, predictions.MeanCrossEntropy(), 5); // what training records as the validation loss
    }

    [Fact]
    public void Rates_count_only_segments_right_before_the_attack_and_pieces_vote()
    {
        var r = Score(new Fgsm(0.05));
        Assert.Equal(7 / 8.0, r.CleanAccuracy);
        // Robust = right before and under the attack: s7, wrong before and "fixed" by the attack, does not count.
        Assert.Equal(3 / 8.0, r.SegmentRobustAccuracy); // s1, s5, s6
        Assert.Equal(2 / 4.0, r.PerformanceRobustAccuracy); // pieces 0 and 2 (ties on mean softmax); 3 was wrong before
        Assert.Equal(4 / 7.0, r.SuccessRate, 12); // s0, s2, s3, s4 of the 7 right before
        Assert.Null(r.TargetSuccessRate);
        Assert.Equal(
            (7 / 8.0, 3 / 4.0, 0.0), // as MIDI every segment is right, but s7 (piece 3) was wrong before
            (r.RealizedSegmentAccuracy, r.RealizedPerformanceAccuracy, r.RealizedSuccessRate)
        );
        Assert.Equal([3 / 4.0, 1 / 3.0], r.PerClassSuccess);
        Assert.Equal(
            [
                [1, 3],
                [1, 3],
            ],
            r.Confusion
        );
        Assert.Equal(0.5, r.SecondsPerSegment);
    }

    [Fact]
    public void Sizes_are_means_and_medians_over_segments_and_velocity_change_is_per_sounding_cell()
    {
        var size = Score(new Fgsm(0.05)).Size;
        Assert.Equal((4.5, 1.0), (size.NotesAdded, size.NotesRemoved));
        Assert.Equal(204 / 36.0, size.MeanAbsVelocityChange, 12); // Σ i² / Σ i over the sounding cells
        Assert.Equal((4.5, 80), (size.MedianAbsVelocityChange, size.MaxAbsVelocityChange));
        Assert.Equal((4.5, 4.5), (size.MeanL2, size.MedianL2));
    }

    [Fact]
    public void A_targeted_attack_succeeds_only_where_the_next_class_is_predicted()
    {
        var r = Score(new Fgsm(0.05) { Targeted = true });
        // Two classes: the target is the other class, so reaching it is leaving the true one.
        Assert.Equal(4 / 7.0, r.TargetSuccessRate!.Value, 12);
        Assert.Equal(0.0, r.RealizedTargetSuccessRate);
    }
}

using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

[Collection("torch")]
public class TrainingTests(SmokeData smoke)
{
    static TrainSettings Tiny =>
        TrainSettings.ForProfile("smoke") with
        {
            Epochs = 2,
            SegmentsPerPiece = 4,
            Seed = 3,
            Threads = 2,
        };

    [Fact]
    public void Killed_and_resumed_run_ends_with_the_same_weights()
    {
        var d = smoke.Data;
        string full = Path.Combine(smoke.Root, "full"),
            split = Path.Combine(smoke.Root, "split");
        var (a, metaA) = new Trainer(Tiny, d.Classes, full) { Device = CPU }.Run(d.Train, d.Validation);
        new Trainer(Tiny, d.Classes, split) { Device = CPU, StopAfterEpochs = 1 }.Run(d.Train, d.Validation);
        Assert.Equal(1, Checkpoint.ReadMeta(Path.Combine(split, "last")).Epoch);
        var (b, metaB) = new Trainer(Tiny, d.Classes, split) { Device = CPU }.Run(d.Train, d.Validation, resume: true);
        Assert.Equal(2, metaB.Epoch);
        foreach (var (name, pa) in a.state_dict())
            Assert.True(pa.allclose(b.state_dict()[name], rtol: 0, atol: 0), $"{name} differs after resume");
        Assert.Equal(metaA.History[^1].TrainLoss, metaB.History[^1].TrainLoss, 6);
        Assert.True(File.Exists(Path.Combine(full, "metrics.csv")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(full, "tensorboard"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Training_reduces_the_loss()
    {
        var d = smoke.Data;
        var (_, meta) = new Trainer(Tiny with { Epochs = 3 }, d.Classes, Path.Combine(smoke.Root, "loss"))
        {
            Device = CPU,
        }.Run(d.Train, d.Validation);
        Assert.True(
            meta.History[^1].TrainLoss < meta.History[0].TrainLoss,
            string.Join(", ", meta.History.Select(h => h.TrainLoss))
        );
        // The validation loss is recorded per epoch (and falls here too: the smoke corpus is easy) and in metrics.csv.
        Assert.All(meta.History, h => Assert.True(double.IsFinite(h.ValLoss) && h.ValLoss > 0));
        Assert.True(
            meta.History[^1].ValLoss < meta.History[0].ValLoss,
            string.Join(", ", meta.History.Select(h => h.ValLoss))
        );
        var csv = File.ReadAllLines(Path.Combine(smoke.Root, "loss", "metrics.csv"));
        int column = Array.IndexOf(csv[0].Split(','), "val_loss");
        Assert.Equal(
            meta.History[^1].ValLoss,
            double.Parse(csv[^1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture),
            9
        );
    }

    [Fact]
    public void Evaluation_batches_hold_every_segments_centred_window_and_label_once()
    {
        var data = smoke.Data.Validation;
        var seen = new HashSet<int>();
        var expected = new float[PianoRoll.Channels * data.Spec.CropBins * PianoRoll.Pitches];
        foreach (var (x, y, idx) in data.Batches(3, Augmentation.Eval))
        {
            using var ownX = x;
            using var ownY = y;
            var values = x.data<float>().ToArray();
            var labels = y.data<long>().ToArray();
            for (int i = 0; i < idx.Length; i++)
            {
                Assert.True(seen.Add(idx[i]));
                var seg = data.Segments[idx[i]];
                SegmentReader.Copy( // from the dense roll: batches drawn from note spans must match it bit for bit
                    data.Pieces[seg.Piece].Notes.ToRoll(),
                    seg.WindowStart + data.Spec.CentreCropOffset,
                    data.Spec.CropBins,
                    expected
                );
                Assert.Equal(expected, values.AsSpan(i * expected.Length, expected.Length).ToArray());
                Assert.Equal(data.Pieces[seg.Piece].Label, labels[i]);
            }
        }
        Assert.Equal(data.Count, seen.Count);
    }

    [Fact]
    public void Majority_vote_breaks_ties_by_mean_confidence()
    {
        var notes = new NoteSpans([new NoteSpan(0, 10, 60, 80)]);
        var data = new SegmentDataset([new Piece("p", "p", 1, notes)], new Encoding.SegmentSpec(4, 10, 8));
        var probs = new[] { new[] { 0.9f, 0.1f }, new[] { 0.8f, 0.2f }, new[] { 0.45f, 0.55f }, new[] { 0.4f, 0.6f } };
        var r = Evaluator.Score(new SegmentPredictions(data, probs), ["a", "b"]);
        Assert.Equal(0, r.Performances[0].Predicted); // 2 votes each; class a has the higher mean probability
        Assert.Equal(0.5, r.Segment.Accuracy);
        Assert.Equal(0, r.Performance.Accuracy);
    }

    [Fact]
    public void Weighted_f1_matches_a_hand_computation()
    {
        // truth: a a a b ; predicted: a a b b → a: P=1, R=2/3, F1=0.8; b: P=0.5, R=1, F1=2/3; weighted = (3·0.8 +
        // 1·2/3)/4
        var m = ClassificationMetrics.From(["a", "b"], [(0, 0), (0, 0), (0, 1), (1, 1)]);
        Assert.Equal((3 * 0.8 + 2.0 / 3) / 4, m.WeightedF1, 10);
        Assert.Equal(0.75, m.Accuracy);
    }
}

[Collection("torch")]
public class AdversarialTrainingTests(SmokeData smoke)
{
    [Fact]
    public void Trades_objective_adds_a_robust_term_that_grows_with_eps_and_trains()
    {
        var d = smoke.Data;
        manual_seed(2);
        // its own: the objective runs train-mode passes
        var model = Models.ModelFactory.Create("convnet", 2, d.Classes.Count);
        var (x, y, _) = d.Train.Batches(8, Augmentation.Eval).First();
        double RobustTerm(double eps)
        {
            var (loss, logits) = new Trades(eps, 5, 6.0).Objective(model, x, y, new BatchKey(0, 0, 0));
            return loss.item<float>() - nn.functional.cross_entropy(logits, y).item<float>();
        }
        // ε = 0: x′ = x, so the KL term vanishes; a real ε-ball has points the model sees differently.
        Assert.True(Math.Abs(RobustTerm(0)) < 1e-5, $"robust term at ε = 0: {RobustTerm(0)}");
        double small = RobustTerm(0.01),
            large = RobustTerm(0.1);
        Assert.True(large > 1e-3 && large > small, $"robust term ε = 0.01: {small}, ε = 0.1: {large}");
        var settings = TrainSettings.ForProfile("smoke") with { Epochs = 1, SegmentsPerPiece = 2, Threads = 2 };
        var (_, meta) = new Trainer(settings, d.Classes, Path.Combine(smoke.Root, "trades"))
        {
            Device = CPU,
            Hooks = new TrainingHooks(null) { Objective = new Trades(0.05, 2).Objective },
        }.Run(d.Train, d.Validation);
        Assert.True(double.IsFinite(meta.History[0].TrainLoss));
    }

    [Fact]
    public void Overfitting_guard_trips_when_robust_accuracy_collapses()
    {
        var guard = new OverfittingGuard();
        Assert.Null(guard.Judge(0.40, 1));
        Assert.Null(guard.Judge(0.55, 2));
        Assert.Null(guard.Judge(0.45, 3)); // a dip, not a collapse
        Assert.Contains("catastrophic overfitting", guard.Judge(0.10, 4));
    }

    [Fact]
    public void A_defended_run_keeps_its_most_robust_epoch_and_a_plain_run_its_best_f1()
    {
        static EpochMetrics Epoch(int e, double f1, double? robust) =>
            new(e, 0.1, 1, 0.5, 0.5, 0.5, f1, 10, 1) { ValRobustAccuracy = robust };
        var settings = TrainSettings.ForProfile("smoke");
        var meta = new CheckpointMeta(settings, ["a", "b"], 0, [], -1, 0, "d");
        // Epoch 1: F1 0.6, robust 0.40; epoch 2: F1 0.8 (better) but robust 0.20 (worse): the defense keeps epoch 1.
        Assert.True(BestEpoch.IsBetter(Epoch(1, 0.6, 0.40), meta));
        var kept = meta with { BestF1 = 0.6, BestEpoch = 1, BestRobustAccuracy = 0.40 };
        Assert.False(BestEpoch.IsBetter(Epoch(2, 0.8, 0.20), kept));
        Assert.True(BestEpoch.IsBetter(Epoch(2, 0.5, 0.45), kept)); // more robust, though less accurate
        Assert.True(BestEpoch.IsBetter(Epoch(2, 0.7, 0.40), kept)); // a tie on robustness: F1 decides
        Assert.Equal(BestEpoch.ByRobustAccuracy, BestEpoch.RuleFor(Epoch(2, 0.8, 0.2)));
        // Without a robust figure, F1 decides.
        var plain = meta with
        {
            BestF1 = 0.6,
            BestEpoch = 1,
        };
        Assert.True(BestEpoch.IsBetter(Epoch(2, 0.8, null), plain));
        Assert.Equal(BestEpoch.ByF1, BestEpoch.RuleFor(Epoch(2, 0.8, null)));
    }

    [Fact]
    public void A_stop_check_keeps_the_previous_epochs_weights_and_records_why()
    {
        var d = smoke.Data;
        var settings = TrainSettings.ForProfile("smoke") with
        {
            Epochs = 3,
            SegmentsPerPiece = 2,
            Threads = 2,
            Seed = 4,
        };
        string stopped = Path.Combine(smoke.Root, "guarded"),
            one = Path.Combine(smoke.Root, "one-epoch");
        var (_, meta) = new Trainer(settings, d.Classes, stopped)
        {
            Device = CPU,
            Hooks = new TrainingHooks(null) { StopCheck = m => m.Epoch == 2 ? "test stop" : null },
        }.Run(d.Train, d.Validation);
        Assert.Equal(1, meta.Epoch);
        Assert.Equal("test stop", Checkpoint.ReadMeta(stopped, "last").StoppedEarly);
        new Trainer(settings, d.Classes, one) { Device = CPU, StopAfterEpochs = 1 }.Run(d.Train, d.Validation);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(one, "last", "model.bin")),
            File.ReadAllBytes(Path.Combine(stopped, "last", "model.bin"))
        );
        // A stopped run is finished: resuming it trains nothing more.
        var (_, again) = new Trainer(settings, d.Classes, stopped) { Device = CPU }.Run(
            d.Train,
            d.Validation,
            resume: true
        );
        Assert.Equal(1, again.Epoch);
    }

    [Fact]
    public void Fast_adversarial_training_is_more_robust_than_the_base_model()
    {
        var d = smoke.Data;
        var settings = TrainSettings.ForProfile("smoke") with { SegmentsPerPiece = 4, Seed = 1, Threads = 2 };
        var fast = new AdversarialTraining(0.05, 5, 0.5, 1, "fast");
        Assert.Equal(0.0625, fast.Alpha, 10); // α = 1.25 ε
        Assert.Equal(1, fast.Settings.Steps);
        var (model, _) = new Trainer(settings, d.Classes, Path.Combine(smoke.Root, "fast"))
        {
            Device = CPU,
            Hooks = new TrainingHooks(fast.Settings) { BatchTransform = fast.Transform },
        }.Run(d.Train, d.Validation);
        AssertMoreRobustThanTheBaseModel(model, "fast");
    }

    [Fact]
    public void Free_adversarial_training_is_more_robust_than_the_base_model_at_the_cost_of_clean_training()
    {
        var d = smoke.Data;
        var settings = TrainSettings.ForProfile("smoke") with { SegmentsPerPiece = 4, Seed = 1, Threads = 2 };
        var free = new AdversarialTraining(0.05, 4, 0.5, 1, "free");
        Assert.Equal(4, free.Replays);
        // Epochs divided by the replays m (rounded up): as many optimiser steps as clean training.
        Assert.Equal((settings.Epochs + 3) / 4, free.EpochsFor(settings.Epochs));
        var (model, meta) = new Trainer(
            settings with
            {
                Epochs = free.EpochsFor(settings.Epochs),
            },
            d.Classes,
            Path.Combine(smoke.Root, "free")
        )
        {
            Device = CPU,
            Hooks = new DefenseSpec(DefenseMethod.Free, 0.05, 4, 0.5, Seed: 1).Hooks(d.Validation),
        }.Run(d.Train, d.Validation);
        Assert.Equal("free", meta.Defense!.Method);
        // Every epoch records its PGD robust accuracy on validation, the last one that of the model it returns.
        // The robust figure never exceeds the clean one: both are measured on the same fixed segments.
        Assert.All(meta.History, m => Assert.InRange(m.ValRobustAccuracy!.Value, 0, m.ValRobustCleanAccuracy!.Value));
        var (clean, robust) = new RobustValidation(d.Validation, 0.05, seed: 1).Measure(model);
        Assert.Equal(robust, meta.History[^1].ValRobustAccuracy!.Value, 10);
        Assert.Equal(clean, meta.History[^1].ValRobustCleanAccuracy!.Value, 10);
        var csv = File.ReadAllLines(Path.Combine(smoke.Root, "free", "metrics.csv"));
        int column = Array.IndexOf(csv[0].Split(','), "val_robust_accuracy");
        Assert.Equal(
            meta.History[^1].ValRobustAccuracy!.Value,
            double.Parse(csv[^1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture),
            10
        );
        AssertMoreRobustThanTheBaseModel(model, "free");
    }

    /// <summary>PGD-10 robust accuracy at ε = 0.02 on the test split at least 5 points above the base
    /// model's.</summary>
    void AssertMoreRobustThanTheBaseModel(nn.Module<Tensor, Tensor> model, string method)
    {
        var d = smoke.Data;
        model.eval();
        var pgd = Attacks.AttackFactory.Create("pgd", 0.02, 10, 1);
        double Robust(nn.Module<Tensor, Tensor> m) =>
            Attacks.AttackEvaluator.Run(m, d.Test, d.Classes, pgd).SegmentRobustAccuracy;
        double before = Robust(smoke.Trained),
            after = Robust(model);
        Assert.True(
            after > before + 0.05,
            $"PGD-10 robust accuracy at ε = 0.02: base {before:P0}, {method} adversarial training {after:P0}"
        );
    }

    [Fact]
    public void Free_perturbation_climbs_the_loss_within_eps_and_carries_to_the_next_batch()
    {
        var d = smoke.Data;
        var model = Models.ModelFactory.Create("convnet", 2, d.Classes.Count);
        var batches = d.Train.Batches(4, Augmentation.Eval).Take(2).ToList();
        var delta = new FreePerturbation(0.05);
        var (x, y, _) = batches[0];
        var first = delta.Apply(x, 4);
        Assert.True(first.allclose(x), "δ starts at 0");
        nn.functional.cross_entropy(model.forward(first), y).backward();
        delta.Ascend();
        var (x2, _, _) = batches[1];
        var next = delta.Apply(x2, 4);
        var change = ((next - x2) / Attacks.Attack.UnitScale(x2)).abs().max().item<float>();
        Assert.True(change > 0, "δ carried to the next batch");
        Assert.True(change <= 0.05 + 1e-5, $"δ within ε: {change}");
        var half = new FreePerturbation(0.05).Apply(x2, 2);
        Assert.True(half[2..].allclose(x2[2..], rtol: 0, atol: 0), "the clean share stays clean");
    }

    [Fact]
    public void Madry_transform_replaces_the_requested_share_of_the_batch()
    {
        var d = smoke.Data;
        var model = Models.ModelFactory.Create("convnet", 2, d.Classes.Count);
        var (x, y, _) = d.Train.Batches(4, Augmentation.Eval).First();
        var mixed = new AdversarialTraining(0.05, 2, 0.5).Transform(model, x, y, new BatchKey(0, 0, 0));
        Assert.Equal(x.shape, mixed.shape);
        Assert.False(mixed[..2].allclose(x[..2], rtol: 0, atol: 0));
        Assert.True(mixed[2..].allclose(x[2..], rtol: 0, atol: 0));
    }

    [Fact]
    public void Random_starts_differ_per_batch_and_epoch_and_repeat_for_the_same_step()
    {
        // Zero steps: the transform returns the random start itself, x + δ₀ (clipped into the valid range).
        var d = smoke.Data;
        var model = Models.ModelFactory.Create("convnet", 2, d.Classes.Count);
        var (x, y, _) = d.Train.Batches(4, Augmentation.Eval).First();
        var fast = new AdversarialTraining(0.05, 0, 1, Seed: 3, Method: "fast");
        var start = new AdversarialTraining(0.05, 0, 1, Seed: 3);
        Tensor Start(int epoch, int batch) => start.Transform(model, x, y, new BatchKey(epoch, batch, 0));
        Assert.False(Start(0, 0).allclose(x), "the random start moved the batch");
        Assert.True(Start(0, 0).allclose(Start(0, 0), rtol: 0, atol: 0), "the same step draws the same start");
        Assert.False(Start(0, 0).allclose(Start(0, 1)), "batch 1 starts where batch 0 did");
        Assert.False(Start(0, 0).allclose(Start(1, 0)), "epoch 1 starts where epoch 0 did");
        Assert.False(
            fast.Transform(model, x, y, new BatchKey(0, 0, 0))
                .allclose(fast.Transform(model, x, y, new BatchKey(0, 1, 0)))
        );
    }
}

[Collection("torch")]
public class BaselineTests(SmokeData smoke)
{
    [Fact]
    public void Features_are_the_documented_statistics_of_the_segment()
    {
        // 20 bins (1 s): pitch 60 sounds bins 0-9 at velocity 100 (onset at 0), pitch 67 bins 5-14 at 50 (onset at 5).
        var x = zeros(1, 2, 20, 128);
        x[0, 0, 0, 60] = tensor(1f);
        x[0, 1, TensorIndex.Slice(0, 10), 60] = tensor(100f);
        x[0, 0, 5, 67] = tensor(1f);
        x[0, 1, TensorIndex.Slice(5, 15), 67] = tensor(50f);
        var f = new Baselines.HistogramBaseline().Of(x).data<float>().ToArray();
        Assert.Equal(144, f.Length);
        Assert.Equal(0.5f, f[60], 5); // half of the sounding time is pitch 60
        Assert.Equal(0.5f, f[128 + 0], 5); // pitch class C (60) …
        Assert.Equal(0.5f, f[128 + 7], 5); // … and G (67)
        Assert.Equal(2f, f[140], 5); // note density: 2 onsets in 1 s
        Assert.Equal(75f / 127, f[141], 4); // mean velocity of sounding cells
        Assert.Equal(2f / 20, f[142], 5); // onset rate: 2 of 20 bins have an onset
        Assert.Equal(20f / 20, f[143], 5); // mean polyphony: 20 sounding cells over 20 bins
    }

    [Fact]
    public void Music_features_measure_rhythm_lengths_velocities_and_the_top_voice()
    {
        // Three notes, 40 bins: C4 at bin 0 (4 bins, v 100), E4 at bin 4 (8 bins, v 40), G3 at bin 4 (2 bins, v 40)
        // under it, then C5 at bin 12 (4 bins, v 100). Onset times 0, 4, 12: IOIs 4 and 8; top voice C4 → E4 → C5.
        var x = new float[2 * 40 * 128];
        void Note(int bin, int length, int pitch, int velocity)
        {
            x[bin * 128 + pitch] = 1;
            for (int t = bin; t < bin + length; t++)
                x[40 * 128 + t * 128 + pitch] = velocity;
        }
        Note(0, 4, 60, 100);
        Note(4, 8, 64, 40);
        Note(4, 2, 55, 40);
        Note(12, 4, 72, 100);
        var f = Baselines.MusicFeatures.Of(x, 2, 40);
        var named = Baselines.MusicFeatures.Names.Zip(f).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(Baselines.MusicFeatures.Count, f.Length);
        Assert.Equal((0.5f, 0.5f), (named["IOI ≤ 4 bins"], named["IOI ≤ 8 bins"]));
        Assert.Equal(
            (0.25f, 0.5f, 0.25f),
            (named["note length ≤ 2 bins"], named["note length ≤ 4 bins"], named["note length ≤ 8 bins"])
        );
        Assert.Equal((0.5f, 0.5f), (named["velocity 32–47"], named["velocity 96–111"]));
        // The top voice moves up 4 then 8 semitones: the G3 under the E4 is not melody.
        Assert.Equal(
            (0.5f, 0.5f, 0f),
            (named["melodic interval +4"], named["melodic interval +8"], named["melodic interval -9"])
        );
        // Onsets at 0, 4, 12: pairs 4, 8 and 12 apart, each once, over 3 onsets; none 5 apart.
        Assert.Equal(
            (1 / 3f, 1 / 3f, 0f),
            (
                named["onset autocorrelation, lag 4"],
                named["onset autocorrelation, lag 8"],
                named["onset autocorrelation, lag 5"]
            )
        );
        Assert.All(Baselines.MusicFeatures.Of(new float[2 * 40 * 128], 2, 40), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Music_features_measure_what_sounds_together_intervals_voices_and_chords()
    {
        // 40 bins: a C major triad C4 E4 G4 struck at bin 0 and held 8 bins; at bin 8 a G7 chord G3 B3 D4 F4
        // (a dominant seventh, whose G B D is a major triad); at bin 16 a lone A4 over nothing.
        var x = new float[2 * 40 * 128];
        void Note(int bin, int length, int pitch)
        {
            x[bin * 128 + pitch] = 1;
            for (int t = bin; t < bin + length; t++)
                x[40 * 128 + t * 128 + pitch] = 64;
        }
        foreach (int p in new[] { 60, 64, 67 })
            Note(0, 8, p);
        foreach (int p in new[] { 55, 59, 62, 65 })
            Note(8, 8, p);
        Note(16, 4, 69);
        var f = Baselines.MusicFeatures.Of(x, 2, 40);
        var named = Baselines.MusicFeatures.Names.Zip(f).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(Baselines.MusicFeatures.Count, f.Length);
        Assert.Equal(Baselines.MusicFeatures.Count, Baselines.MusicFeatures.Names.Distinct().Count());
        // Pairs: C major 4, 3, 7; G7 4, 3, 3, 7, 6, 10 — nine intervals, the lone A none.
        Assert.Equal(3 / 9f, named["vertical interval 3 semitones"], 5);
        Assert.Equal(2 / 9f, named["vertical interval 4 semitones"], 5);
        Assert.Equal(2 / 9f, named["vertical interval 7 semitones"], 5);
        Assert.Equal(
            (1 / 9f, 1 / 9f),
            (named["vertical interval 6 semitones"], named["vertical interval 10 semitones"])
        );
        Assert.Equal(3 / 9f, named["vertical interval class 3"], 5);
        // Three onsets: 3, 4 and 1 pitches sounding.
        Assert.Equal(
            (1 / 3f, 1 / 3f, 1 / 3f, 0f),
            (
                named["1 pitches sounding"],
                named["3 pitches sounding"],
                named["4 pitches sounding"],
                named["2 pitches sounding"]
            )
        );
        // Both chords hold a major triad; only the second a dominant seventh; none is minor or "other".
        Assert.Equal(2 / 3f, named["onsets holding a major triad"], 5);
        Assert.Equal(1 / 3f, named["onsets holding a dominant seventh"], 5);
        Assert.Equal(
            (0f, 0f),
            (named["onsets holding a minor triad"], named["onsets with another chord of 3+ pitch classes"])
        );
        // A held note is still sounding at a later onset: an octave above a held C is interval 12, class 0.
        var held = new float[2 * 40 * 128];
        held[0 * 128 + 48] = 1;
        held[4 * 128 + 60] = 1;
        for (int t = 0; t < 10; t++)
            held[40 * 128 + t * 128 + 48] = 50;
        for (int t = 4; t < 10; t++)
            held[40 * 128 + t * 128 + 60] = 50;
        var h = Baselines
            .MusicFeatures.Names.Zip(Baselines.MusicFeatures.Of(held, 2, 40))
            .ToDictionary(p => p.First, p => p.Second);
        Assert.Equal((1f, 1f), (h["vertical interval 12 semitones"], h["vertical interval class 0"]));
    }

    [Fact]
    public void Boosted_trees_on_music_features_learn_and_give_the_same_figures_twice()
    {
        var d = smoke.Data;
        var first = new Baselines.FeatureBaseline(1).Figures(d.Train, d.Validation, d.Test, d.Classes);
        Assert.Equal((Baselines.FeatureBaseline.FeatureCount, "test"), (first.FeatureCount, first.Split));
        Assert.True(first.SegmentAccuracy > 2.0 / d.Classes.Count, $"{first.SegmentAccuracy:P0}: near chance");
        Assert.Equal(first, new Baselines.FeatureBaseline(1).Figures(d.Train, d.Validation, d.Test, d.Classes));
    }

    [Fact]
    public void Baseline_learns_from_the_data_and_is_scored_on_the_test_split()
    {
        var d = smoke.Data;
        var scalars = new Baselines.HistogramBaseline(Baselines.BaselineFeatures.Scalars, 1).Figures(
            d.Train,
            d.Validation,
            d.Test,
            d.Classes
        );
        Assert.Equal("test", scalars.Split);
        Assert.True(
            scalars.SegmentAccuracy > 2.0 / d.Classes.Count,
            $"4-scalar baseline {scalars.SegmentAccuracy:P0}: no better than chance"
        );
        // Same data, labels shuffled across pieces: what it learned was the labels, so it must drop towards chance.
        var shuffled = d
            .Train.Pieces.Select((p, i) => p with { Label = d.Train.Pieces[(i * 7 + 3) % d.Train.Pieces.Count].Label })
            .ToList();
        var noise = new Baselines.HistogramBaseline(Baselines.BaselineFeatures.Scalars, 1).Figures(
            new SegmentDataset(shuffled, d.Train.Spec),
            d.Validation,
            d.Test,
            d.Classes
        );
        Assert.True(
            noise.SegmentAccuracy < scalars.SegmentAccuracy,
            $"shuffled labels {noise.SegmentAccuracy:P0} ≥ {scalars.SegmentAccuracy:P0}"
        );
    }
}

/// <summary>Runs alone (after the parallel collections): it measures the whole process's resident memory, which any
/// test running beside it would disturb.</summary>
[CollectionDefinition("alone", DisableParallelization = true)]
public sealed class AloneCollection;

[Collection("alone")]
public class MemoryTests
{
    [Fact]
    public void Native_memory_does_not_grow_over_hundreds_of_steps()
    {
        var model = Models.ModelFactory.Create("convnet", 2, 6);
        var opt = optim.AdamW(model.parameters(), 1e-3);
        var loss = nn.CrossEntropyLoss();
        manual_seed(8);
        var batches = Enumerable
            .Range(0, 6)
            .Select(_ => ((rand(4, 2, 400, 128) * 64).round(), randint(0, 6, 4)))
            .ToList();
        void Steps(int n)
        {
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                var (x, y) = batches[i % batches.Count];
                opt.zero_grad();
                loss.forward(model.forward(x), y).backward();
                opt.step();
            }
        }
        Steps(50);
        GC.Collect();
        long before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Steps(300);
        GC.Collect();
        long after = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        Assert.True(
            after - before < 200L << 20,
            $"resident memory grew by {(after - before) >> 20} MiB over 300 steps"
        );
    }
}

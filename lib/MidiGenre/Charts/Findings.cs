using System.Globalization;
using MidiGenre.Attacks;
using MidiGenre.Experiments;

namespace MidiGenre.Charts;

/// <summary>Sentences the notebooks print under a figure, generated from the run's own results so that they cannot
/// contradict it. Each says what was measured, on which split, and what it means; when a row it needs is missing it
/// says so instead of guessing.</summary>
public static class Findings
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    static string P(double v) => v.ToString("P1", Inv);

    static AttackResult? Row(IEnumerable<AttackResult> rows, string attack, double eps) =>
        rows.FirstOrDefault(r => r.Attack == attack && r.Eps == eps && r.SourceModel == null);

    /// <summary>PGD against the AutoAttack ensemble at one ε: the gap is how much PGD overstated
    /// robustness.</summary>
    public static string AutoAttackGap(IReadOnlyList<AttackResult> sweep, double eps)
    {
        var auto = Row(sweep, AutoAttack.StandardName, eps) ?? Row(sweep, AutoAttack.CheapName, eps);
        if (Row(sweep, "pgd", eps) is not { } pgd || auto is null)
            return $"The sweep has no PGD and AutoAttack rows at ε = {eps}: nothing to compare.";
        double gap = pgd.SegmentRobustAccuracy - auto.SegmentRobustAccuracy;
        string verdict =
            gap > 0.02
                ? $"PGD overstated robustness by {gap * 100:F1} points: those segments resisted PGD's fixed steps but "
                    + "not a stronger search, so PGD's figure alone would have been too kind to the model."
                : "the two agree (within 2 points): on this model PGD's figure is not an artefact of a weak search.";
        return $"At ε = {eps.ToString("0.###", Inv)} (test split): PGD leaves "
            + $"{P(pgd.SegmentRobustAccuracy)} of segments correct, {auto.Attack} (the worst of APGD-CE, "
            + $"APGD-T and Square per segment) {P(auto.SegmentRobustAccuracy)}; {verdict}";
    }

    /// <summary>What survives realisation: plain PGD's tensor and realised success against the PGD that plays
    /// valid MIDI at every step.</summary>
    public static string RealisableAttack(IReadOnlyList<AttackResult> sweep, double eps)
    {
        if (Row(sweep, "pgd", eps) is not { } pgd || Row(sweep, "pgd-midi", eps) is not { } midi)
            return $"The sweep has no PGD and pgd-midi rows at ε = {eps}: nothing to compare.";
        string e = eps.ToString("0.###", Inv);
        string better =
            midi.RealizedSuccessRate > pgd.RealizedSuccessRate
                ? "more than plain PGD achieves once its examples are written as MIDI"
                : "no more than plain PGD achieves as MIDI: on this model velocities alone are a weak lever";
        return $"At ε = {e} (test split): plain PGD fools {P(pgd.SuccessRate)} of the correct segments on the tensor "
            + $"but only {P(pgd.RealizedSuccessRate)} once realised as MIDI. The PGD that only changes note velocities "
            + $"(by at most {eps * 127:0.#} of 127) and stays valid MIDI at every step fools "
            + $"{P(midi.RealizedSuccessRate)} as MIDI ({P(midi.SuccessRate)} on its tensor, which already is MIDI) — "
            + $"{better}; it adds {midi.Size.NotesAdded:0.#} and removes {midi.Size.NotesRemoved:0.#} notes per "
            + "segment.";
    }

    /// <summary>The change an attack asked for against the change MIDI kept, for one example: how many cells each
    /// changed (by at least half a velocity step) and by how much, and how much of the asked-for change fell on
    /// silence, which MIDI cannot carry.</summary>
    public static string Realisation(AdversarialExample example)
    {
        if (example.TensorVelocities is not { } tensor)
            return "This example keeps no tensor before realisation: nothing to compare.";
        var original = example.Original;
        int cells = original.Frames * Encoding.PianoRoll.Pitches;
        int askedCells = 0,
            askedInSilence = 0,
            keptCells = 0;
        double askedSum = 0,
            keptSum = 0;
        for (int i = 0; i < cells; i++)
        {
            int t = i / Encoding.PianoRoll.Pitches,
                p = i % Encoding.PianoRoll.Pitches;
            double before = original[Encoding.PianoRoll.Frame, t, p];
            double asked = Math.Abs(tensor[i] - before),
                kept = Math.Abs(example.Adversarial[Encoding.PianoRoll.Frame, t, p] - before);
            if (asked >= 0.5)
            {
                askedCells++;
                askedSum += asked;
                askedInSilence += before == 0 ? 1 : 0;
            }
            if (kept >= 0.5)
            {
                keptCells++;
                keptSum += kept;
            }
        }
        string Mean(double sum, int n) => n == 0 ? "0" : (sum / n).ToString("0.#", Inv);
        string silence = askedCells == 0 ? "none" : P(askedInSilence / (double)askedCells);
        return $"The attack's tensor changed {askedCells} of {cells} velocity cells by at least half a step (mean "
            + $"|Δ| {Mean(askedSum, askedCells)} of 127; {silence} of them in silence, where MIDI has no note to "
            + $"carry it); written as MIDI, {keptCells} cells changed (mean |Δ| {Mean(keptSum, keptCells)}). "
            + $"The model heard {example.Before} before and {example.After} after: "
            + (example.Fooled ? "the change that survived was enough to fool it." : "what survived did not fool it.");
    }

    /// <summary>What adversarial training traded, from its first to its last epoch, on the fixed validation segments
    /// it attacks after every epoch: clean and PGD robust accuracy, and its most robust epoch.</summary>
    public static string RobustTraining(IReadOnlyList<Training.EpochMetrics> history)
    {
        var h = history.Where(m => m.ValRobustAccuracy is double && m.ValRobustCleanAccuracy is double).ToList();
        if (h.Count == 0)
            return "This run recorded no robust validation accuracy (a run from before it was measured): nothing to "
                + "trace.";
        var (first, last) = (h[0], h[^1]);
        double r0 = first.ValRobustAccuracy!.Value,
            r1 = last.ValRobustAccuracy!.Value,
            c0 = first.ValRobustCleanAccuracy!.Value,
            c1 = last.ValRobustCleanAccuracy!.Value;
        string Change(double from, double to) =>
            to - from >= 0 ? $"rose by {(to - from) * 100:F1} points" : $"fell by {(from - to) * 100:F1} points";
        var best = h.MaxBy(m => m.ValRobustAccuracy!.Value)!;
        return $"Fixed validation segments, epoch {first.Epoch} → {last.Epoch}: PGD-10 robust accuracy {P(r0)} → "
            + $"{P(r1)} ({Change(r0, r1)}), clean accuracy {P(c0)} → {P(c1)} ({Change(c0, c1)}); the most robust "
            + $"epoch was {best.Epoch} ({P(best.ValRobustAccuracy!.Value)})"
            + (best.Epoch != last.Epoch ? ", not the last: robustness on held-out segments is not monotone." : ".");
    }

    /// <summary>Which defense holds against which threat model: PGD training against pgd-midi training, each under the
    /// other's attack (test split).</summary>
    public static string Defenses(DefenseComparison c)
    {
        if (c.Models.Count < 3)
            return "Fewer than three models were compared: nothing to say.";
        var (b, pgd, midi) = (c.Models[0], c.Models[1], c.Models[2]);
        string Row(DefendedModel m) =>
            $"{m.Model}: clean {P(m.CleanAccuracy)}, under PGD {P(m.RobustUnder("pgd"))}, under pgd-midi "
            + $"{P(m.RobustUnder("pgd-midi"))}";
        double gain = midi.RobustUnder("pgd-midi") - pgd.RobustUnder("pgd-midi");
        string verdict =
            gain > 0.02 ? $"training on the attack MIDI allows buys {gain * 100:F1} points against it over PGD training"
            : gain < -0.02 ? $"PGD training holds {-gain * 100:F1} points better even against pgd-midi"
            : "against pgd-midi the two defenses are within 2 points";
        return $"At ε = {c.Eps.ToString("0.###", Inv)} (test split) — {Row(b)}; {Row(pgd)}; {Row(midi)}. So "
            + $"{verdict}; a defense is judged by the threat model it will meet.";
    }

    /// <summary>White-box against transfer on the retrained model: how much of the defense's gain is the attacker's
    /// lack of knowledge.</summary>
    public static string Transfer(AdversarialTrainingFigures f)
    {
        var white = f.RetrainedAttacks.FirstOrDefault(r => r.Attack == "pgd");
        var moved = f.Transfer.FirstOrDefault(r => r.SourceModel == "base");
        if (white is null || moved is null)
            return "No white-box and transfer rows for the retrained model: nothing to compare.";
        return $"PGD at ε = {f.Eps.ToString("0.###", Inv)} on the adversarially trained model (test split): crafted "
            + $"on it (white-box) it leaves {P(white.SegmentRobustAccuracy)} of segments correct; crafted on the base "
            + $"model and played to it (transfer: the attacker never saw the defended weights) "
            + $"{P(moved.SegmentRobustAccuracy)}. "
            + (
                moved.SegmentRobustAccuracy < white.SegmentRobustAccuracy - 0.02
                    ? "The transfer attack is the stronger one: a sign that the defended model's gradients mislead "
                        + "its own attacker (gradient masking) — trust the AutoAttack row, not the white-box PGD row."
                    : "White-box is the stronger attack, as it should be when the defense's gradients are honest."
            );
    }

    /// <summary>Whether training over-fitted, read from the validation loss: its lowest epoch, and how far it rose
    /// after while the training loss kept falling.</summary>
    public static string Overfitting(IReadOnlyList<Training.EpochMetrics> history)
    {
        var h = history.Where(m => double.IsFinite(m.ValLoss)).ToList();
        if (h.Count < 2)
            return "The run recorded no validation loss per epoch (a checkpoint from before it was kept): nothing to "
                + "say about over-fitting.";
        var best = h.MinBy(m => m.ValLoss)!;
        var last = h[^1];
        string trend =
            $"validation loss {h[0].ValLoss:F3} → lowest {best.ValLoss:F3} (epoch {best.Epoch}) → {last.ValLoss:F3} "
            + $"(epoch {last.Epoch}), training loss {h[0].TrainLoss:F3} → {last.TrainLoss:F3}";
        bool rising = last.Epoch > best.Epoch && last.ValLoss > best.ValLoss * 1.1 && last.TrainLoss < best.TrainLoss;
        return rising
            ? $"Over-fitting from epoch {best.Epoch + 1}: {trend}. The model keeps fitting the training segments "
                + "while getting worse on segments it has not seen; the checkpoint used later is the validation "
                + "split's choice, not the last epoch."
            : $"No sign of over-fitting: {trend}; the validation loss has not risen more than 10 % above its "
                + "lowest.";
    }

    /// <summary>"What we saw" after training: how long, which epoch was kept and why, and over-fitting.</summary>
    public static string TrainingSummary(Training.CheckpointMeta meta) =>
        $"What we saw: {meta.Settings.Arch} trained {meta.Epoch} epochs on the training split; the validation "
        + $"split kept epoch {meta.BestEpoch} ({meta.BestRule ?? Training.BestEpoch.ByF1}; its performance weighted "
        + $"F1 {meta.BestF1:F3}{Robust(meta.BestRobustAccuracy)}), and that checkpoint is the one the next notebooks "
        + $"use. {Overfitting(meta.History)}";

    static string Robust(double? robust) => robust is double r ? $", robust accuracy {P(r)}" : "";

    /// <summary>"What we saw" after the evaluation: segments, the vote, and the CNN against the strongest
    /// baseline.</summary>
    public static string EvaluationSummary(
        Evaluation.EvaluationResult result,
        IReadOnlyList<Baselines.BaselineFigures> baselines,
        int classes
    )
    {
        var strongest = baselines.MaxBy(b => b.PerformanceAccuracy);
        string vote =
            result.Performance.Accuracy > result.Segment.Accuracy + 0.02
                ? "the vote over a performance's segments helps"
            : result.Performance.Accuracy < result.Segment.Accuracy - 0.02
                ? "the vote over a performance's segments hurts"
            : "the vote changes little";
        return $"What we saw: On the test split the CNN names the class of {P(result.Segment.Accuracy)} of "
            + $"segments and {P(result.Performance.Accuracy)} of performances "
            + $"(weighted F1 {result.Performance.WeightedF1:F3}; "
            + $"chance {P(1.0 / Math.Max(1, classes))}): {vote}. "
            + (
                strongest is null
                    ? "No baseline was run."
                    : $"The strongest baseline ({strongest.Features}) reaches {P(strongest.PerformanceAccuracy)} of "
                        + "performances, "
                        + $"{(result.Performance.Accuracy - strongest.PerformanceAccuracy) * 100:+0.0;-0.0} points "
                        + "for the CNN."
            );
    }

    /// <summary>"What we saw" after the attacks: the strongest attack on the tensor, what survives as MIDI, PGD
    /// against AutoAttack, and whether the sanity checks held.</summary>
    public static string AttacksSummary(
        IReadOnlyList<AttackResult> sweep,
        IReadOnlyList<SanityCheck> checks,
        double eps
    )
    {
        var at = sweep.Where(r => r.Eps == eps && r.SourceModel == null).ToList();
        if (at.Count == 0)
            return $"What we saw: The sweep has no rows at ε = {eps}.";
        var strongest = at.MinBy(r => r.SegmentRobustAccuracy)!;
        var asMidi = at.MinBy(r => r.RealizedSegmentAccuracy)!;
        int failed = checks.Count(c => !c.Passed);
        return $"What we saw (test split, ε = {eps.ToString("0.###", Inv)}). On the tensor the strongest attack is "
            + $"{strongest.Attack}: {P(strongest.SegmentRobustAccuracy)} of segments stay correct "
            + $"(clean {P(strongest.CleanAccuracy)}). Written as MIDI, the most damaging is {asMidi.Attack}: "
            + $"{P(asMidi.RealizedSegmentAccuracy)} stay correct. {AutoAttackGap(sweep, eps)} "
            + (
                failed == 0
                    ? $"All {checks.Count} sanity checks passed."
                    : $"{failed} of {checks.Count} sanity checks failed: read these figures as the attacks' limits."
            );
    }

    /// <summary>"What we saw" after adversarial training: the price in clean accuracy, the gain under PGD and under
    /// AutoAttack, and transfer.</summary>
    public static string DefenseSummary(AdversarialTrainingFigures f)
    {
        AttackResult? Of(List<AttackResult> rows, string a) => rows.FirstOrDefault(r => r.Attack == a);
        string Gain(string attack) =>
            Of(f.BaseAttacks, attack) is { } b && Of(f.RetrainedAttacks, attack) is { } r
                ? $"{attack} {P(b.SegmentRobustAccuracy)} → {P(r.SegmentRobustAccuracy)}"
                : $"{attack} not run";
        return $"What we saw (test split, ε = {f.Eps.ToString("0.###", Inv)}). Adversarial training ({f.Method}) "
            + $"cost clean accuracy {P(f.Base.CleanAccuracy)} → {P(f.Retrained.CleanAccuracy)}; segments still "
            + $"correct under attack, base → retrained: {Gain("pgd")}, {Gain(AutoAttack.CheapName)}, "
            + $"{Gain("pgd-midi")}. "
            + Transfer(f);
    }

    /// <summary>"What we saw" after preprocessing: how much data, in how many classes, split how.</summary>
    public static string DataSummary(Data.ExperimentData data) =>
        $"What we saw: {data.Classes.Count} classes ({string.Join(", ", data.Classes)}); "
        + $"{data.Train.Pieces.Count} training, {data.Validation.Pieces.Count} validation and "
        + $"{data.Test.Pieces.Count} test performances ({data.Split.Mode} split, grouped by piece so no piece is on "
        + $"both sides); each performance becomes {data.Train.Spec.SegmentsPerPiece} windows of 20 s, and every figure "
        + "from here on is on the test performances.";

    /// <summary>"What we saw" after the musical attacks: which one does most damage once written as MIDI, and how
    /// much it changed.</summary>
    public static string MusicalSummary(IReadOnlyList<AttackResult> results)
    {
        if (results.Count == 0)
            return "What we saw: no musical attack was run.";
        var best = results.MaxBy(r => r.RealizedSuccessRate)!;
        var onTensor = results.MaxBy(r => r.SuccessRate)!;
        return $"What we saw (test split): written as MIDI, the most damaging musical attack is {best.Attack}, which "
            + $"misclassifies {P(best.RealizedSuccessRate)} of the correct segments while adding "
            + $"{best.Size.NotesAdded:0.#} notes per segment and changing velocities by "
            + $"{best.Size.MeanAbsVelocityChange:0.#} on average; on the tensor it is {onTensor.Attack} "
            + $"({P(onTensor.SuccessRate)}). "
            + (
                results.FirstOrDefault(r => r.Attack == "random") is { } random
                && results.Any(r => r.Attack != "random" && r.RealizedSuccessRate > random.RealizedSuccessRate)
                    ? "At least one gradient-guided attack beats random notes at the same rate."
                    : "No gradient-guided attack beats random notes at the same rate here: the greedy rules are weak."
            );
    }
}

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

    /// <summary>PGD-10 against the AutoAttack ensemble at one ε: the gap is how much PGD overstated robustness.</summary>
    public static string AutoAttackGap(IReadOnlyList<AttackResult> sweep, double eps)
    {
        if (Row(sweep, "pgd", eps) is not { } pgd || Row(sweep, "autoattack", eps) is not { } auto)
            return $"The sweep has no PGD and AutoAttack rows at ε = {eps}: nothing to compare.";
        double gap = pgd.SegmentRobustAccuracy - auto.SegmentRobustAccuracy;
        string verdict =
            gap > 0.02
                ? $"PGD overstated robustness by {gap * 100:F1} points: those segments resisted PGD's fixed steps but "
                    + "not a stronger search, so PGD's figure alone would have been too kind to the model."
                : "the two agree (within 2 points): on this model PGD's figure is not an artefact of a weak search.";
        return $"At ε = {eps.ToString("0.###", Inv)} (test split): PGD leaves "
            + $"{P(pgd.SegmentRobustAccuracy)} of segments correct, AutoAttack (the worst of APGD-CE, APGD-T and "
            + $"Square per segment) {P(auto.SegmentRobustAccuracy)}; {verdict}";
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
}

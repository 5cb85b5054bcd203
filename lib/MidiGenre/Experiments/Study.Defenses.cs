using MidiGenre.Attacks;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>One model of <see cref="DefenseComparison"/>: its defense and the compared attacks at one ε.</summary>
public sealed record DefendedModel(string Model, string Defense, double CleanAccuracy, List<AttackResult> Attacks)
{
    /// <summary>Robust accuracy (right before and under the attack) under <paramref name="attack"/>.</summary>
    public double RobustUnder(string attack) =>
        Attacks.FirstOrDefault(a => a.Attack == attack)?.SegmentRobustAccuracy ?? double.NaN;
}

/// <summary>The base model and two defenses against the threat models they were trained for and the other one:
/// PGD adversarial training (±ε on every cell) and pgd-midi adversarial training (each note louder or softer by at
/// most ε × 127), all under PGD, AutoAttack and pgd-midi at the same ε on the test split.</summary>
public sealed record DefenseComparison(double Eps, List<DefendedModel> Models)
{
    public ResultStamp? Stamp { get; init; }
}

/// <summary>Defenses compared (05-adversarial-training): the spec's defense against pgd-midi training.</summary>
public sealed partial class Study
{
    /// <summary>The defense trained against the threat model MIDI allows.</summary>
    public const string MidiDefense = "pgd-midi";

    public string MidiDefenseDir => Path.Combine(OutDir, "adv-" + MidiDefense);
    public string DefensesPath => Path.Combine(OutDir, "defenses.json");

    /// <summary>Trains (or reuses) the pgd-midi defense like the spec's own (fine-tuned from the base model, same ε,
    /// mix and steps) and compares it with the base and the spec's retrained model from <paramref name="cmp"/>
    /// (whose rows are reused, not attacked again) under <see cref="ComparedAttacks"/>; writes defenses.json.</summary>
    public DefenseComparison CompareDefenses(AdversarialTrainingFigures cmp)
    {
        var model = TrainAdversarial(MidiDefense, MidiDefenseDir);
        var attacks = UnderComparedAttacks(model, $"{MidiDefense}-trained");
        double clean = attacks[0].CleanAccuracy;
        var figures = new DefenseComparison(
            AdversarialEps,
            [
                new("base", "none", cmp.Base.CleanAccuracy, cmp.BaseAttacks),
                new(
                    $"retrained ({cmp.Method})",
                    Spec.Defense.ToString(),
                    cmp.Retrained.CleanAccuracy,
                    cmp.RetrainedAttacks
                ),
                new($"retrained ({MidiDefense})", Defense(MidiDefense).ToString(), clean, attacks),
            ]
        )
        {
            Stamp = StampFor(
                $"{RobustnessStamp.Weights}; {MidiDefense} {WeightsOf(MidiDefenseDir)}",
                RobustnessStamp.Work
            ),
        };
        JsonFiles.Write(DefensesPath, figures);
        return figures;
    }
}

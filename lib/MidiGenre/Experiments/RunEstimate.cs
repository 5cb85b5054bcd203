using MidiGenre.Data;
using MidiGenre.Defenses;

namespace MidiGenre.Experiments;

/// <summary>
/// How long the notebooks' run of a <see cref="RunSpec"/> should take, said before it starts: the base model's
/// epochs, the adversarial retraining's, and the attacks on the test split, from the model's measured speeds on this
/// device (`bench model`: training, PGD-10) and the split's segment counts. It counts model work only (MIDI
/// realisation, baselines and charts come on top), so it is a floor, not a promise.
/// </summary>
public sealed record RunEstimate(
    int TrainSegments,
    int TestSegments,
    int Epochs,
    DefenseSpec Defense,
    double TrainPerSecond,
    double Pgd10PerSecond
)
{
    /// <summary>Model work per test segment across notebooks 04–06, in PGD-10 passes: the sweep (FGSM 0.1, PGD 1,
    /// AutoAttack ≈ 4, pgd-midi 1 at each of 3 budgets), its sanity checks (≈ 2), base and retrained under PGD,
    /// AutoAttack and pgd-midi plus two transfers (≈ 14), the musical attacks (≈ 2).</summary>
    public const double AttackPassesPerTestSegment = 3 * 6.1 + 2 + 14 + 2;

    public double BaseSeconds => Epochs * TrainSegments / TrainPerSecond;

    /// <summary>Each retraining epoch trains on every segment and first runs PGD-k on the adversarial share.</summary>
    public double DefenseSeconds =>
        Defense.EpochsFor(Epochs)
        * TrainSegments
        * (1 / TrainPerSecond + Defense.Mix * Defense.Steps / 10.0 / Pgd10PerSecond);

    public double AttackSeconds => TestSegments * AttackPassesPerTestSegment / Pgd10PerSecond;

    public double Seconds => BaseSeconds + DefenseSeconds + AttackSeconds;

    /// <summary>The estimate for <paramref name="spec"/>: its split read from the catalog (no encoding), speeds
    /// measured by the caller.</summary>
    public static RunEstimate For(RunSpec spec, double trainPerSecond, double pgd10PerSecond)
    {
        var catalog = spec.Source.OpenCatalog();
        var split = DataSplit.Make(catalog.Entries, spec.Source.SplitFor(catalog), spec.Seed);
        int windows = spec.Training.SegmentsPerPiece;
        return new RunEstimate(
            split.Train.Count * windows,
            split.Test.Count * windows,
            spec.Training.Epochs,
            spec.Defense,
            trainPerSecond,
            pgd10PerSecond
        );
    }

    public override string ToString() =>
        $"about {Seconds / 60:F0} min of model work: base {Epochs} epochs × {TrainSegments} segments "
        + $"({BaseSeconds / 60:F0} min at {TrainPerSecond:F0} segments/s), {Defense.Name} retraining "
        + $"({DefenseSeconds / 60:F0} min), attacks on {TestSegments} test segments ({AttackSeconds / 60:F0} min at "
        + $"{Pgd10PerSecond:F0} PGD-10 segments/s); MIDI realisation and charts come on top";
}

namespace MidiGenre.Training;

/// <summary>
/// Which epoch a run keeps as its "best" checkpoint. A plain run keeps the highest validation performance weighted
/// F1. A defended run (one whose epochs record <see cref="EpochMetrics.ValRobustAccuracy"/>) keeps its most robust
/// epoch — the highest PGD robust accuracy on the fixed validation segments, ties broken by F1 — since a defense is
/// trained to be robust and its most accurate epoch may be its least robust one (Rice et al., 2020: robust
/// overfitting). The rule used is written into the checkpoint (<see cref="CheckpointMeta.BestRule"/>).
/// </summary>
public static class BestEpoch
{
    public const string ByF1 = "highest validation performance weighted F1";
    public const string ByRobustAccuracy =
        "highest PGD robust accuracy on the fixed validation segments (ties: higher validation F1)";

    /// <summary>The rule for an epoch's figures: by robust accuracy when the epoch measured it.</summary>
    public static string RuleFor(EpochMetrics m) => m.ValRobustAccuracy is null ? ByF1 : ByRobustAccuracy;

    /// <summary>Whether epoch <paramref name="m"/> beats the one <paramref name="meta"/> keeps so far.</summary>
    public static bool IsBetter(EpochMetrics m, CheckpointMeta meta) =>
        m.ValRobustAccuracy is double robust
            ? meta.BestRobustAccuracy is not double kept
                || robust > kept
                || (robust == kept && m.ValWeightedF1 > meta.BestF1)
            : m.ValWeightedF1 > meta.BestF1;
}

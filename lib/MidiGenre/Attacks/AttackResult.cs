namespace MidiGenre.Attacks;

/// <summary>Robustness of a model to one attack at one budget, over a dataset's segments. Robust accuracy has one
/// definition (AutoAttack's): the share of all segments (or performances, by vote) classified correctly before the
/// attack and still correctly under it, so it never exceeds clean accuracy. Rates are over the segments
/// the model classified correctly before the attack: <see cref="SuccessRate"/> = the prediction left the true class;
/// <see cref="TargetSuccessRate"/> (targeted attacks only) = the prediction became the target class. "Realized" figures
/// are the same after the adversarial roll was made valid, written as MIDI and read back.</summary>
public sealed record AttackResult(
    string Attack,
    double? Budget,
    string BudgetUnit,
    bool Targeted,
    int Segments,
    double CleanAccuracy,
    double SegmentRobustAccuracy,
    double PerformanceRobustAccuracy,
    double SuccessRate,
    double? TargetSuccessRate,
    double RealizedSegmentAccuracy,
    double RealizedPerformanceAccuracy,
    double RealizedSuccessRate,
    double? RealizedTargetSuccessRate,
    PerturbationSize Size,
    int[][] Confusion,
    double[] PerClassSuccess,
    double SecondsPerSegment
)
{
    /// <summary>The budget when it is an ε in normalised velocity (FGSM, PGD, velocity), else null: an L2 radius or
    /// notes per column never lands on an ε axis.</summary>
    public double? Eps => BudgetUnit == Attacks.Attack.VelocityUnit ? Budget : null;

    /// <summary>Mean cross-entropy of the true class before the attack and on the adversarial tensor: an attack that
    /// works raises it (a sanity check of every sweep).</summary>
    public double CleanLoss { get; init; }
    public double AdversarialLoss { get; init; }

    /// <summary>The attack's full configuration (<see cref="Attacks.Attack.Configuration"/>: steps, step size,
    /// restarts, targets, queries, variant, seed): a result says which PGD or which AutoAttack made it.</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    /// <summary>The run the attack was crafted on when it is not the evaluated model (a transfer attack); null when
    /// the attacker saw the evaluated model itself (white-box).</summary>
    public string? SourceModel { get; init; }
}

/// <summary>How much the realised MIDI changed, per segment: notes added/removed, |Δ velocity| over cells sounding in
/// both rolls (velocity units, 0…127), and the L2 norm of the tensor change in normalised units.</summary>
public sealed record PerturbationSize(
    double NotesAdded,
    double NotesRemoved,
    double MeanAbsVelocityChange,
    double MedianAbsVelocityChange,
    int MaxAbsVelocityChange,
    double MeanL2,
    double MedianL2
);

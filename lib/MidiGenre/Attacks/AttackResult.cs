namespace MidiGenre.Attacks;

/// <summary>Robustness of a model to one attack at one budget, over a dataset's segments. Rates are over the segments
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
    double PieceRobustAccuracy,
    double SuccessRate,
    double? TargetSuccessRate,
    double RealizedSegmentAccuracy,
    double RealizedPieceAccuracy,
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

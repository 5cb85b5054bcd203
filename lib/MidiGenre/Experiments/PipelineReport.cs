using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Evaluation;

namespace MidiGenre.Experiments;

public sealed record CleanFigures(double SegmentAccuracy, double PerformanceAccuracy, double WeightedF1);

public sealed record RobustFigures(double CleanAccuracy, double RobustAccuracy, double PerformanceRobustAccuracy);

/// <summary>Base vs adversarially trained model under the same PGD attack (test split). <c>Attack</c> is the attack
/// both are evaluated with; <c>Method</c> how the retrained model was trained (pgd, fast, trades).</summary>
public sealed record AdversarialTrainingFigures(
    string Attack,
    double Eps,
    double Mix,
    RobustFigures Base,
    RobustFigures Retrained
)
{
    public string Method { get; init; } = "pgd";

    /// <summary>Segment accuracy after the adversarial examples were realised as MIDI.</summary>
    public double RealizedBase { get; init; }
    public double RealizedRetrained { get; init; }

    /// <summary>Each compared attack (PGD, AutoAttack, the PGD that plays valid MIDI) at <see cref="Eps"/> on the
    /// base and on the retrained model.</summary>
    public List<AttackResult> BaseAttacks { get; init; } = [];
    public List<AttackResult> RetrainedAttacks { get; init; } = [];

    /// <summary>PGD crafted on one model and evaluated on the other (<see cref="AttackResult.SourceModel"/> names
    /// the model it was crafted on).</summary>
    public List<AttackResult> Transfer { get; init; } = [];

    /// <summary>What produced the figures (data, seed, both models' weights, attacks); null in files written before
    /// it was recorded.</summary>
    public Common.ResultStamp? Stamp { get; init; }
}

/// <summary>The pipeline's report.json. Every figure is on the <see cref="Split"/> ("test") split; validation figures
/// (which picked the checkpoint) stay in each run's metrics.csv.</summary>
public sealed record PipelineReport(
    string Profile,
    string Dataset,
    IReadOnlyList<string> Classes,
    string Arch,
    int TrainPerformances,
    int ValidationPerformances,
    CleanFigures Clean,
    List<AttackResult> Attacks,
    AdversarialTrainingFigures AdversarialTraining,
    double Seconds
)
{
    public string Split { get; init; } = "test";
    public int TestPerformances { get; init; }
    public string SplitMode { get; init; } = "";
    public CheckpointChoice? Checkpoint { get; init; }
    public int Seed { get; init; }

    /// <summary>Files of the corpus that failed to encode and were left out (listed in encode-failures.csv).</summary>
    public int EncodeFailures { get; init; }

    /// <summary>The strongest baseline: histograms, inter-onset intervals, note lengths, velocities, melodic intervals
    /// and onset autocorrelation, gradient-boosted trees, majority vote (test split).</summary>
    public Baselines.BaselineFigures? FeatureBaseline { get; init; }

    /// <summary>Pitch/pitch-class histograms + 4 scalars, logistic regression, majority vote (test split).</summary>
    public Baselines.BaselineFigures? Baseline { get; init; }

    /// <summary>The 4 scalars alone (note density, mean velocity, onset rate, polyphony).</summary>
    public Baselines.BaselineFigures? ScalarBaseline { get; init; }

    public static JsonSerializerOptions Json => JsonFiles.Options;

    public static PipelineReport Read(string path) => JsonFiles.Read<PipelineReport>(path);
}

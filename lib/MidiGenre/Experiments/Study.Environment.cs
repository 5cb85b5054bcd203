namespace MidiGenre.Experiments;

/// <summary>The parameters of a study, named for display.</summary>
public sealed record StudyParameters(
    string Profile,
    string Corpus,
    string CorpusPath,
    string LabelColumn,
    string ReportedSplit,
    string Checkpoint,
    int Seed,
    string Defense,
    string Attacks,
    string OutputFolder,
    string Device
);

/// <summary>The study as the notebooks open it: parameters from the environment, shown as one named record.</summary>
public sealed partial class Study
{
    /// <summary>What this notebook run uses, as one named table (the parameters cell shows it).</summary>
    public StudyParameters Parameters =>
        new(
            Profile.Name,
            Source.Name,
            Source.CorpusPath,
            Source.LabelColumn,
            ReportSplit,
            Checkpoint,
            Seed,
            Spec.Defense.ToString(),
            Spec.Sweep.ToString(),
            OutDir,
            Device.type.ToString()
        );

    /// <summary>The notebooks' study: its <see cref="RunSpec"/> from the environment (<see
    /// cref="RunSpec.FromEnvironment"/>), checked before any work.</summary>
    public static Study FromEnvironment(string root, Action<string>? log = null) =>
        new(RunSpec.FromEnvironment(root)) { Log = log };
}

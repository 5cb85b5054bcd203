using MidiGenre.Data;
using static TorchSharp.torch;

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
    string OutputFolder,
    string Device
);

/// <summary>The study as the notebooks open it: parameters from the environment, shown as one named record.</summary>
public sealed partial class Study
{
    /// <summary>What this notebook run uses, as one named table (the parameters cell shows it).</summary>
    public StudyParameters Parameters =>
        new(
            Profile,
            Source.Name,
            Source.CorpusPath,
            Source.LabelColumn,
            ReportSplit,
            Checkpoint,
            Seed,
            OutDir,
            Device.type.ToString()
        );

    /// <summary>Profile from MIDIGENRE_PROFILE (default paper with CUDA, else cpu), data from MIDIGENRE_DATA /
    /// MIDIGENRE_CORPUS (alias MIDIGENRE_MAESTRO) and MIDIGENRE_LABEL,
    /// output from MIDIGENRE_OUT (default artifacts/notebooks/&lt;profile&gt; under <paramref name="root"/>).</summary>
    public static Study FromEnvironment(string root, Action<string>? log = null)
    {
        string profile =
            Environment.GetEnvironmentVariable("MIDIGENRE_PROFILE") is { Length: > 0 } p ? p
            : cuda.is_available() ? "paper"
            : "cpu";
        string data = Environment.GetEnvironmentVariable("MIDIGENRE_DATA") is { Length: > 0 } d
            ? d
            : Path.Combine(root, "data");
        string? corpus =
            Environment.GetEnvironmentVariable("MIDIGENRE_CORPUS") is { Length: > 0 } c ? c
            : Environment.GetEnvironmentVariable("MIDIGENRE_MAESTRO") is { Length: > 0 } m ? m
            : null;
        string label = Environment.GetEnvironmentVariable("MIDIGENRE_LABEL") is { Length: > 0 } l
            ? l
            : Catalog.DefaultLabelColumn;
        string outDir = Environment.GetEnvironmentVariable("MIDIGENRE_OUT") is { Length: > 0 } o
            ? o
            : Path.Combine(root, "artifacts", "notebooks", profile);
        string method = Environment.GetEnvironmentVariable("MIDIGENRE_ADV_METHOD") is { Length: > 0 } a ? a : "pgd";
        return new Study(profile, outDir, DataSource.ForProfile(profile, data, corpus) with { LabelColumn = label })
        {
            Log = log,
            AdversarialMethod = method,
        };
    }
}

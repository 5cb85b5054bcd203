using MidiGenre.Encoding;

namespace MidiGenre.Data;

/// <summary>Where the data comes from: MAESTRO (a folder) or the synthetic corpus (generated on demand).</summary>
public sealed record DataSource(string DataDir = "data", string? Maestro = null, bool SmallSynthetic = false)
{
    public string Name => Maestro == null ? "synthetic" : "maestro-v2.0.0";
    public string SyntheticDir => Path.Combine(DataDir, SmallSynthetic ? "synthetic-smoke" : "synthetic");
    public string CacheDir => Path.Combine(DataDir, "cache");

    public static DataSource ForProfile(string profile, string dataDir = "data", string? maestro = null) => new(dataDir, maestro, profile == "smoke");
}

/// <summary>Catalog, cache, split and segment datasets of one experiment: the data side shared by the CLI, the pipeline and the notebooks.</summary>
public sealed record ExperimentData(DataSource Source, Catalog Catalog, RollCache Cache, DataSplit Split, SegmentDataset Train, SegmentDataset Validation)
{
    public IReadOnlyList<string> Classes => Catalog.Classes;

    /// <summary>Generates the synthetic corpus if needed, prepares the cache (only what is missing), splits and loads.</summary>
    public static ExperimentData Load(DataSource source, SegmentSpec spec, int seed = 0, int inputChannels = 2, ComposerSelection? composers = null,
        SplitMode split = SplitMode.Stratified, Action<EncodeRecord>? onEncoded = null)
    {
        Catalog catalog;
        if (source.Maestro == null)
        {
            SyntheticCorpus.EnsureGenerated(source.SyntheticDir, source.SmallSynthetic ? SyntheticCorpusOptions.Smoke : SyntheticCorpusOptions.Default);
            catalog = Catalog.Load(source.SyntheticDir, composers ?? ComposerSelection.All);
        }
        else catalog = Catalog.Load(source.Maestro, composers ?? ComposerSelection.Paper);
        var cache = new RollCache(source.CacheDir);
        cache.Prepare(catalog, onEncoded);
        var s = DataSplit.Make(catalog.Entries, split, 0.7, seed);
        return new ExperimentData(source, catalog, cache, s,
            SegmentDataset.FromCache(cache, catalog, s.Train, spec, inputChannels),
            SegmentDataset.FromCache(cache, catalog, s.Validation, spec, inputChannels));
    }
}

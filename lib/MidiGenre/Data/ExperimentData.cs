using MidiGenre.Encoding;

namespace MidiGenre.Data;

/// <summary>
/// One set of data options, recorded in every checkpoint: which corpus (null = the embedded synthetic corpus,
/// generated on demand under <see cref="DataDir"/>; else a MAESTRO folder, a catalog CSV or a folder per class), its
/// label column and classes, the split, and the encoder options. Paths are stored absolute.
/// </summary>
public sealed record DataSource(string DataDir = "data", string? Corpus = null, bool SmallSynthetic = false)
{
    public string LabelColumn { get; init; } = Catalog.DefaultLabelColumn;

    /// <summary>A catalog CSV's file column; null = detected (midi_filename, midi_performance, …).</summary>
    public string? FileColumn { get; init; }

    /// <summary>A catalog CSV's piece column (performances of one piece share a split); null = detected
    /// (canonical_title, folder, …).</summary>
    public string? PieceColumn { get; init; }

    /// <summary>"paper", "all" or a comma-separated list; null = the corpus kind's default.</summary>
    public string? Classes { get; init; }
    public int MinPieces { get; init; } = 1;

    /// <summary>null = the catalog's own split column when it has one, else stratified.</summary>
    public SplitMode? Split { get; init; }
    public EncodeOptions Encoding { get; init; } = EncodeOptions.Default;

    public string Name =>
        Corpus == null
            ? (SmallSynthetic ? "synthetic-smoke" : "synthetic")
            : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Corpus)));
    public string SyntheticDir => Path.Combine(DataDir, SmallSynthetic ? "synthetic-smoke" : "synthetic");
    public string CacheDir => Path.Combine(DataDir, "cache");

    /// <summary>The folder or file the catalog is read from.</summary>
    public string CorpusPath => Corpus ?? SyntheticDir;

    /// <summary>The source for <paramref name="profile"/> (its synthetic corpus when no corpus is named).</summary>
    public static DataSource ForProfile(Profile profile, string dataDir = "data", string? corpus = null) =>
        new DataSource(dataDir, corpus, profile.SmallCorpus).Absolute();

    /// <summary>The same source with absolute paths, as recorded in checkpoints.</summary>
    public DataSource Absolute() =>
        this with
        {
            DataDir = Path.GetFullPath(DataDir),
            Corpus = Corpus == null ? null : Path.GetFullPath(Corpus),
        };

    public Catalog OpenCatalog()
    {
        if (Corpus == null)
            SyntheticCorpus.EnsureGenerated(
                SyntheticDir,
                SmallSynthetic ? SyntheticCorpusOptions.Smoke : SyntheticCorpusOptions.Default
            );
        return Catalog
            .Load(
                CorpusPath,
                ClassSelection.Parse(Classes, MinPieces),
                LabelColumn,
                new CatalogColumns(FileColumn, PieceColumn)
            )
            .RequireFiles();
    }

    /// <summary>The split this source asks for: <see cref="Split"/>, else the catalog's own split column where it has
    /// one, else a stratified split by piece.</summary>
    public SplitMode SplitFor(Catalog catalog) =>
        Split ?? (catalog.HasSplitColumn ? SplitMode.Catalog : SplitMode.Stratified);

    /// <summary>The roll cache of this corpus under these encoder options.</summary>
    public RollCache OpenCache() => new(CacheDir, Encoding, CacheKey);

    /// <summary>The cache folder of this corpus: its name and a fingerprint of its absolute path, so two corpora in
    /// folders of the same name (two "midi" folders, say) never share encoded rolls.</summary>
    public string CacheKey =>
        $"{Name}-{ResultStamp.Fingerprint([Path.TrimEndingDirectorySeparator(Path.GetFullPath(CorpusPath))])[..8]}";
}

/// <summary>Catalog, cache, split and segment datasets of one experiment: the data side shared by the CLI, the
/// pipeline and the notebooks. Train fits the weights, Validation picks the checkpoint, Test is what reports
/// show.</summary>
public sealed record ExperimentData(
    DataSource Source,
    Catalog Catalog,
    RollCache Cache,
    DataSplit Split,
    SegmentDataset Train,
    SegmentDataset Validation,
    SegmentDataset Test,
    IReadOnlyList<EncodeRecord> Failed
)
{
    public IReadOnlyList<string> Classes => Catalog.Classes;

    /// <summary>A performance's notes as the reader gives them, with the options its roll was encoded with.</summary>
    public Midi.MidiScore Score(CatalogEntry entry) =>
        Midi.MidiReader.Read(Catalog.MidiPath(entry), Source.Encoding.ToReadOptions());

    /// <summary>Opens the corpus (generating the synthetic one if needed), prepares the cache (only what is missing),
    /// splits and loads. Files that fail to encode are reported through <paramref name="warn"/> and kept in
    /// <see cref="Failed"/>, never dropped silently.</summary>
    public static ExperimentData Load(
        DataSource source,
        SegmentSpec spec,
        int seed = 0,
        int inputChannels = 2,
        Action<EncodeRecord>? onEncoded = null,
        Action<string>? warn = null,
        IReadOnlyList<string>? classOrder = null
    )
    {
        var catalog = source.OpenCatalog();
        if (classOrder != null)
            catalog = catalog.InClassOrder(classOrder);
        var mode = source.SplitFor(catalog);
        var split = DataSplit.Make(catalog.Entries, mode, seed);
        var cache = source.OpenCache();
        var records = cache.Prepare(catalog, onEncoded);
        var failed = records.Where(r => r.Status == EncodeStatus.Failed).ToList();
        if (failed.Count > 0)
            WarnFailures(catalog, failed, cache.ReportPath, warn ?? (s => Console.Error.WriteLine("warning: " + s)));
        return new ExperimentData(
            source,
            catalog,
            cache,
            split,
            SegmentDataset.FromCache(cache, catalog, split.Train, spec, inputChannels),
            SegmentDataset.FromCache(cache, catalog, split.Validation, spec, inputChannels),
            SegmentDataset.FromCache(cache, catalog, split.Test, spec, inputChannels),
            failed
        );
    }

    public const string FailuresFile = "encode-failures.csv";

    /// <summary>Lists the files that failed to encode in <paramref name="runDir"/>/encode-failures.csv, so a run's
    /// folder says what it left out; nothing is written when every file encoded.</summary>
    public int WriteFailures(string runDir)
    {
        if (Failed.Count == 0)
            return 0;
        Directory.CreateDirectory(runDir);
        EncodeJob.WriteReport(Path.Combine(runDir, FailuresFile), Failed);
        return Failed.Count;
    }

    static void WarnFailures(Catalog catalog, List<EncodeRecord> failed, string report, Action<string> warn)
    {
        var failedIds = failed.Select(f => f.Source).ToHashSet();
        warn($"{failed.Count} of {catalog.Entries.Count} files failed to encode and are left out (listed in {report})");
        foreach (var c in catalog.Classes)
        {
            int all = catalog.Entries.Count(e => e.Label == c),
                bad = catalog.Entries.Count(e => e.Label == c && failedIds.Contains(e.MidiFilename));
            if (bad > 0 && bad >= 0.1 * all)
                warn($"class {c}: {bad} of {all} files failed to encode ({100.0 * bad / all:F0} %)");
        }
    }
}

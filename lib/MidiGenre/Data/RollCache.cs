using MidiGenre.Encoding;

namespace MidiGenre.Data;

/// <summary>
/// Encoded rolls of a catalog on disk, kept sparse as note spans (<see cref="NoteSpans"/>, ~16× smaller than dense
/// rolls): <c>ROOT/&lt;encoder key&gt;/&lt;corpus key&gt;/&lt;midi_filename&gt;.notes.npy</c>. The folder is keyed by
/// the encoder settings and the corpus's identity (<see cref="DataSource.CacheKey"/>: name and path), so other
/// settings or another corpus with the same file names, or in a folder of the same name, never mix; a roll
/// older than its MIDI file (a regenerated corpus) is encoded again.
/// </summary>
public sealed class RollCache(string root, EncodeOptions? options = null, string corpus = "")
{
    public string Root { get; } = Path.GetFullPath(root);
    public EncodeOptions Options { get; } = options ?? EncodeOptions.Default;
    public string Directory => Path.Combine(Root, Options.Key, corpus);
    public string ReportPath => Path.Combine(Directory, "prepare-report.csv");

    public string PathFor(CatalogEntry e) =>
        Path.Combine(Directory, e.MidiFilename + EncodeJob.Extension(EncodeFormat.Notes));

    /// <summary>Encodes every entry not cached yet (all cores, atomic writes) and writes the prepare report.</summary>
    public IReadOnlyList<EncodeRecord> Prepare(
        Catalog catalog,
        Action<EncodeRecord>? onDone = null,
        CancellationToken cancel = default
    )
    {
        var items = catalog
            .Entries.Select(e => new EncodeItem(e.MidiFilename, catalog.MidiPath(e), PathFor(e)))
            .ToList();
        var records = EncodeJob.Run(items, Options, EncodeFormat.Notes, skipExisting: true, onDone, cancel: cancel);
        EncodeJob.WriteReport(ReportPath, records);
        return records;
    }

    public bool Contains(CatalogEntry e) => File.Exists(PathFor(e));

    /// <summary>The dense roll of a piece (for looking at it; training reads <see cref="LoadNotes"/>).</summary>
    public PianoRoll Load(CatalogEntry e) => LoadNotes(e).ToRoll();

    public NoteSpans LoadNotes(CatalogEntry e)
    {
        string p = PathFor(e);
        if (!File.Exists(p))
            throw new FileNotFoundException(
                $"{e.MidiFilename} is not in the cache {Directory}; run `midigenre prepare` first",
                p
            );
        return NoteSpans.Read(p);
    }
}

using System.CommandLine;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

/// <summary>One set of data options for every command that reads a corpus; what they select is recorded in the
/// run.</summary>
sealed class DataOptions
{
    public readonly Option<string> Data = new("--data")
    {
        Description = "Data folder: the synthetic corpus (generated when missing) and the roll cache",
        DefaultValueFactory = _ => "data",
    };
    public readonly Option<string?> Corpus = new("--corpus", "--maestro")
    {
        Description =
            "Corpus instead of the embedded synthetic one: a MAESTRO v2.0.0 folder (the paper's 13 composers), a "
            + "catalog CSV (MAESTRO's schema, ASAP's metadata.csv, or columns named below; any labels), or a folder "
            + "with one sub-folder of .mid files per class",
    };
    public readonly Option<string> Label = new("--label")
    {
        Description =
            "Catalog column that holds the class (e.g. a genre column; default canonical_composer, or composer "
            + "where that is absent, as in ASAP)",
        DefaultValueFactory = _ => Catalog.DefaultLabelColumn,
    };
    public readonly Option<string?> FileColumn = new("--file-column")
    {
        Description =
            "Catalog column that holds each performance's MIDI file, relative to the CSV (default: detected — "
            + "midi_filename as in MAESTRO, midi_performance as in ASAP's metadata.csv, midi_file, filename, file)",
    };
    public readonly Option<string?> PieceColumn = new("--piece-column")
    {
        Description =
            "Catalog column that names the piece, so every performance of one piece stays in one split (default: "
            + "detected — canonical_title, folder (ASAP), piece, title; with none, each file is its own piece)",
    };
    public readonly Option<string?> Classes = new("--classes")
    {
        Description =
            "'paper' (MAESTRO's 13 composers), 'all', or a comma-separated list (default: paper for MAESTRO, else all)",
    };
    public readonly Option<int> MinPieces = new("--min-pieces")
    {
        Description = "Keep classes with at least this many pieces",
        DefaultValueFactory = _ => 1,
    };
    public readonly Option<string?> Split = new("--split")
    {
        Description =
            "catalog (the catalog's split column; default when it has one) | stratified (seeded, grouped by piece)",
    };
    public readonly Option<bool> NoDrums = Common.NoDrums();
    public readonly Option<bool> Sustain = Common.Sustain();

    Option[] All => [Data, Corpus, Label, FileColumn, PieceColumn, Classes, MinPieces, Split, NoDrums, Sustain];

    public void AddTo(Command c)
    {
        Split.AcceptOnlyFromAmong("catalog", "stratified");
        foreach (var o in All)
            c.Add(o);
    }

    /// <summary>Whether the user named the data on the command line (otherwise a checkpoint's recorded data is
    /// used).</summary>
    public bool Given(ParseResult r) => All.Any(o => r.GetResult(o) is { Implicit: false });

    public DataSource Source(ParseResult r, MidiGenre.Common.Profile profile) =>
        DataSource.ForProfile(profile, r.GetValue(Data)!, r.GetValue(Corpus)) with
        {
            LabelColumn = r.GetValue(Label)!,
            FileColumn = r.GetValue(FileColumn),
            PieceColumn = r.GetValue(PieceColumn),
            Classes = r.GetValue(Classes),
            MinPieces = r.GetValue(MinPieces),
            Split = r.GetValue(Split) switch
            {
                "catalog" => SplitMode.Catalog,
                "stratified" => SplitMode.Stratified,
                _ => null,
            },
            Encoding = new EncodeOptions(r.GetValue(NoDrums), r.GetValue(Sustain)),
        };

    /// <summary>The data a checkpoint is used with: the source it records (corpus, labels, classes, split, encoder
    /// options), with only the options given on the command line changed — so `--split stratified` alone keeps the
    /// corpus and the `--sustain`/`--no-drums` the model was trained with. Labels are mapped onto the checkpoint's
    /// classes by name; classes it does not know are an error.</summary>
    public ExperimentData ForCheckpoint(ParseResult r, CheckpointMeta meta)
    {
        var data = ExperimentData.Load(
            SourceFor(r, meta),
            meta.SegmentSpec,
            meta.Settings.Seed,
            meta.Settings.InputChannels,
            classOrder: meta.Classes
        );
        int present = data.Catalog.Entries.Select(e => e.Label).Distinct().Count();
        if (present != meta.Classes.Count)
            Console.Error.WriteLine(
                $"note: the corpus holds {present} of the model's {meta.Classes.Count} classes; "
                    + "labels mapped onto the model's classes by name"
            );
        return data;
    }

    /// <summary>The checkpoint's recorded source, overridden option by option by what the command line gives.</summary>
    public DataSource SourceFor(ParseResult r, CheckpointMeta meta)
    {
        if (meta.Source is not { } s)
            return Given(r)
                ? Source(r, MidiGenre.Common.Profile.Recorded(meta.Settings.Profile))
                : throw new UsageException(
                    "this checkpoint does not record its corpus (trained by an older version); pass --corpus (or "
                        + "--data) to say which"
                );
        bool G(Option o) => r.GetResult(o) is { Implicit: false };
        if (G(Data) || G(Corpus))
            s = (
                s with
                {
                    DataDir = G(Data) ? r.GetValue(Data)! : s.DataDir,
                    Corpus = G(Corpus) ? r.GetValue(Corpus) : s.Corpus,
                }
            ).Absolute();
        return s with
        {
            LabelColumn = G(Label) ? r.GetValue(Label)! : s.LabelColumn,
            FileColumn = G(FileColumn) ? r.GetValue(FileColumn) : s.FileColumn,
            PieceColumn = G(PieceColumn) ? r.GetValue(PieceColumn) : s.PieceColumn,
            Classes = G(Classes) ? r.GetValue(Classes) : s.Classes,
            MinPieces = G(MinPieces) ? r.GetValue(MinPieces) : s.MinPieces,
            Split = G(Split) ? Source(r, MidiGenre.Common.Profile.Recorded(meta.Settings.Profile)).Split : s.Split,
            Encoding = new EncodeOptions(
                G(NoDrums) ? r.GetValue(NoDrums) : s.Encoding.DropDrums,
                G(Sustain) ? r.GetValue(Sustain) : s.Encoding.SustainPedal
            ),
        };
    }
}

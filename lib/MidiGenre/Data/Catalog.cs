using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;

namespace MidiGenre.Data;

/// <summary>One performance: its class label, piece identity, split and file (relative to the corpus root). Every
/// reader sets <see cref="Label"/> and <see cref="PieceKey"/> itself: nothing is derived behind its back, so a reader
/// cannot group pieces by a composer's name it never meant as the label.</summary>
public sealed record CatalogEntry(
    string CanonicalComposer,
    string Title,
    string Split,
    int Year,
    string MidiFilename,
    double Duration
)
{
    /// <summary>The class: for MAESTRO's canonical_composer column the composer's surname (the last word, e.g.
    /// "Frédéric Chopin" → "Chopin", as in the paper); for any other label column, the value as written.</summary>
    public required string Label { get; init; }

    /// <summary>Performances of the same piece share this key; they never straddle train, validation and
    /// test.</summary>
    public required string PieceKey { get; init; }
}

/// <summary>The corpus cannot be used as given (missing file or column, unparsable CSV, too few classes, absent MIDI
/// files); the message says what to do. Thrown before any encoding or training.</summary>
public sealed class CatalogFormatException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;
}

/// <summary>A model is used with a corpus whose classes it was not trained on.</summary>
public sealed class ClassMismatchException(
    IReadOnlyList<string> model,
    IReadOnlyList<string> corpus,
    IReadOnlyList<string> unknown
)
    : Exception(
        $"the corpus's classes [{string.Join(", ", corpus)}] are not the model's [{string.Join(", ", model)}]: "
            + $"the model cannot predict {string.Join(", ", unknown)}. Pass the corpus "
            + $"the model was trained on (--corpus), "
            + "or --classes with a subset of the model's classes."
    );

/// <summary>The three kinds of corpus a path can name.</summary>
public enum CorpusKind
{
    /// <summary>A folder holding maestro-v2.0.0.csv: the paper's 13 composers by default.</summary>
    Maestro,

    /// <summary>A catalog CSV in the MAESTRO schema (or a folder holding exactly one CSV), any label values.</summary>
    Catalog,

    /// <summary>ROOT/&lt;label&gt;/**/*.mid|*.midi, as torchvision's ImageFolder: every file is a piece.</summary>
    Folders,
}

/// <summary>A labelled MIDI collection: MAESTRO v2.0.0, any MAESTRO-schema catalog, or a folder per class.
/// Tables are read with Microsoft.Data.Analysis.</summary>
public sealed partial class Catalog
{
    public const string MaestroCsv = "maestro-v2.0.0.csv";
    public const string DefaultLabelColumn = "canonical_composer";

    /// <summary>Columns every catalog needs besides its label column; the others are optional.</summary>
    public static readonly string[] RequiredColumns = ["midi_filename"];
    internal static readonly string[] MaestroColumns =
    [
        "canonical_composer",
        "canonical_title",
        "split",
        "year",
        "midi_filename",
        "duration",
    ];

    public string Root { get; }
    public CorpusKind Kind { get; }
    public string LabelColumn { get; }
    public IReadOnlyList<CatalogEntry> Entries { get; }
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Whether the entries carry a train/validation/test column of their own.</summary>
    public bool HasSplitColumn { get; }

    Catalog(
        string root,
        CorpusKind kind,
        string labelColumn,
        IReadOnlyList<CatalogEntry> entries,
        IReadOnlyList<string> classes,
        bool hasSplit
    )
    {
        (Root, Kind, LabelColumn, Entries, Classes, HasSplitColumn) = (
            root,
            kind,
            labelColumn,
            entries,
            classes,
            hasSplit
        );
    }

    public int ClassIndex(CatalogEntry e) => IndexOf(Classes, e.Label);

    static int IndexOf(IReadOnlyList<string> list, string s)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == s)
                return i;
        return -1;
    }

    public string MidiPath(CatalogEntry e) => Path.Combine(Root, e.MidiFilename);

    /// <summary>What kind of corpus <paramref name="path"/> names.</summary>
    public static CorpusKind KindOf(string path)
    {
        if (File.Exists(path))
            return CorpusKind.Catalog;
        if (!Directory.Exists(path))
            throw new CatalogFormatException(
                path,
                "does not exist; pass a MAESTRO folder, a catalog CSV, or a folder with one "
                    + "sub-folder of MIDI files per class"
            );
        if (File.Exists(Path.Combine(path, MaestroCsv)))
            return CorpusKind.Maestro;
        return Directory.GetFiles(path, "*.csv").Length > 0 ? CorpusKind.Catalog : CorpusKind.Folders;
    }

    /// <summary>Opens any corpus kind and keeps the selected classes (default: the paper's 13 for MAESTRO with the
    /// composer column, every label otherwise). Fails before any work when the corpus yields fewer than two classes,
    /// a column is missing, or listed files are absent.</summary>
    public static Catalog Load(
        string path,
        ClassSelection? selection = null,
        string labelColumn = DefaultLabelColumn,
        CatalogColumns? columns = null
    )
    {
        var kind = KindOf(path);
        selection ??= ClassSelection.Default();
        if (selection.KindDefault)
            selection = selection with
            {
                Names = kind == CorpusKind.Maestro && labelColumn == DefaultLabelColumn ? ClassSelection.Paper13 : null,
                KindDefault = false,
            };
        if (kind == CorpusKind.Folders)
            return Select(path, kind, labelColumn, ClassFolderReader.Read(path), selection, hasSplit: false);
        string csv =
            kind == CorpusKind.Maestro ? Path.Combine(path, MaestroCsv)
            : File.Exists(path) ? path
            : SingleCsv(path);
        var (entries, hasSplit, used) = CatalogCsvReader.Read(csv, labelColumn, columns);
        return Select(Path.GetDirectoryName(Path.GetFullPath(csv))!, kind, used, entries, selection, hasSplit);
    }

    static string SingleCsv(string folder)
    {
        var csvs = Directory.GetFiles(folder, "*.csv");
        return csvs.Length == 1
            ? csvs[0]
            : throw new CatalogFormatException(
                folder,
                $"holds {csvs.Length} CSV files ({string.Join(", ", csvs.Select(Path.GetFileName))}); pass the "
                    + $"catalog CSV itself"
            );
    }

    static Catalog Select(
        string root,
        CorpusKind kind,
        string labelColumn,
        List<CatalogEntry> all,
        ClassSelection selection,
        bool hasSplit
    )
    {
        // MAESTRO's collaborations ("A / B") have no single composer.
        var eligible = all.Where(e =>
                !(labelColumn == DefaultLabelColumn && e.CanonicalComposer.Contains('/')) && e.Label.Length > 0
            )
            .ToList();
        var pieces = eligible
            .GroupBy(e => e.Label)
            .ToDictionary(g => g.Key, g => g.Select(e => e.PieceKey).Distinct().Count());
        var unknown = selection.Names?.Where(n => !pieces.ContainsKey(n)).ToList() ?? [];
        if (unknown.Count > 0 && selection.Names != ClassSelection.Paper13)
            throw new CatalogFormatException(
                root,
                $"class(es) {string.Join(", ", unknown)} not found in column "
                    + $"'{labelColumn}'; labels present: {Listing(pieces)}"
            );
        var names = selection.Names ?? pieces.Keys.Order(StringComparer.Ordinal).ToList();
        var classes = names.Where(n => pieces.TryGetValue(n, out int c) && c >= selection.MinPieces).ToList();
        if (classes.Count < 2)
            throw new CatalogFormatException(
                root,
                $"yields {classes.Count} class(es) from column '{labelColumn}' "
                    + $"(min pieces {selection.MinPieces}{ClassesNote(selection)}); a classifier needs at least 2. "
                    + $"Labels present: {Listing(pieces)}. Choose another --label column, "
                    + "--classes all (or a list), or a lower --min-pieces."
            );
        var kept = eligible.Where(e => classes.Contains(e.Label)).ToList();
        return new Catalog(root, kind, labelColumn, kept, classes, hasSplit);
    }

    /// <summary>Fails, before any encoding, when listed MIDI files are absent.</summary>
    public Catalog RequireFiles()
    {
        var absent = Entries.Where(e => !File.Exists(MidiPath(e))).Select(e => e.MidiFilename).ToList();
        if (absent.Count > 0)
            throw new CatalogFormatException(
                Root,
                $"{absent.Count} listed MIDI file(s) are absent, e.g. "
                    + $"{string.Join(", ", absent.Take(3))}; put them in place (paths are relative to the catalog) or "
                    + $"remove their rows"
            );
        return this;
    }

    /// <summary>The catalog with <paramref name="modelClasses"/> as its class list (a checkpoint's, in its order), so
    /// labels index the model's outputs. The corpus may hold a subset of them (mapped by name); a class the model does
    /// not know is a <see cref="ClassMismatchException"/>.</summary>
    public Catalog InClassOrder(IReadOnlyList<string> modelClasses)
    {
        if (Classes.SequenceEqual(modelClasses))
            return this;
        var unknown = Classes.Except(modelClasses).ToList();
        if (unknown.Count > 0)
            throw new ClassMismatchException(modelClasses, Classes, unknown);
        return new Catalog(Root, Kind, LabelColumn, Entries, modelClasses, HasSplitColumn);
    }

    static string ClassesNote(ClassSelection selection) =>
        selection.Names == null ? "" : $", classes {string.Join(",", selection.Names)}";

    static string Listing(Dictionary<string, int> pieces) =>
        pieces.Count == 0
            ? "none"
            : string.Join(
                ", ",
                pieces.OrderBy(p => p.Key, StringComparer.Ordinal).Take(20).Select(p => $"{p.Key} ({p.Value} pieces)")
            );

    /// <summary>Pieces, performances and hours per class.</summary>
    public DataFrame Summary()
    {
        var groups = Classes.Select(c => Entries.Where(e => e.Label == c).ToList()).ToList();
        return new DataFrame(
            new StringDataFrameColumn("class", Classes),
            new PrimitiveDataFrameColumn<int>(
                "pieces",
                groups.Select(g => g.Select(e => e.PieceKey).Distinct().Count())
            ),
            new PrimitiveDataFrameColumn<int>("performances", groups.Select(g => g.Count)),
            new PrimitiveDataFrameColumn<double>(
                "hours",
                groups.Select(g => Math.Round(g.Sum(e => e.Duration) / 3600, 2))
            )
        );
    }

    public static string Surname(string composer)
    {
        var parts = composer.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? "" : parts[^1];
    }

    public static string NormaliseTitle(string title) =>
        Spaces().Replace(NonAlnum().Replace(title.ToLowerInvariant(), " "), " ").Trim();

    [GeneratedRegex(@"[^\p{L}\p{N}]+")]
    private static partial Regex NonAlnum();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

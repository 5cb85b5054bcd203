using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;

namespace MidiGenre.Data;

/// <summary>One performance in a MAESTRO-schema catalog.</summary>
public sealed record CatalogEntry(string CanonicalComposer, string Title, string Split, int Year, string MidiFilename, double Duration)
{
    /// <summary>The class label: the composer's surname (last word), e.g. "Frédéric Chopin" → "Chopin".</summary>
    public string Composer => Catalog.Surname(CanonicalComposer);
    /// <summary>Performances of the same piece share this key; they never straddle train and validation.</summary>
    public string PieceKey => Composer + "|" + Catalog.NormaliseTitle(Title);
}

/// <summary>The catalog CSV does not have the MAESTRO columns, or cannot be parsed.</summary>
public sealed class CatalogFormatException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;
}

/// <summary>Which composers become classes.</summary>
public sealed record ComposerSelection(IReadOnlyList<string>? Names = null, int MinPieces = 1)
{
    /// <summary>The 13 composers kept by Kim et al. (2020).</summary>
    public static readonly IReadOnlyList<string> Paper13 =
        ["Scarlatti", "Bach", "Haydn", "Mozart", "Beethoven", "Schubert", "Schumann", "Chopin", "Liszt", "Brahms", "Debussy", "Rachmaninoff", "Scriabin"];
    public static readonly ComposerSelection Paper = new(Paper13);
    public static readonly ComposerSelection All = new();
}

/// <summary>MAESTRO v2.0.0 catalog (maestro-v2.0.0.csv), read with Microsoft.Data.Analysis.</summary>
public sealed partial class Catalog
{
    public static readonly string[] RequiredColumns = ["canonical_composer", "canonical_title", "split", "year", "midi_filename", "duration"];

    public string Root { get; }
    public IReadOnlyList<CatalogEntry> Entries { get; }
    public IReadOnlyList<string> Classes { get; }

    Catalog(string root, IReadOnlyList<CatalogEntry> entries, IReadOnlyList<string> classes)
    {
        Root = root;
        Entries = entries;
        Classes = classes;
    }

    public int ClassIndex(CatalogEntry e) => IndexOf(Classes, e.Composer);
    static int IndexOf(IReadOnlyList<string> list, string s) { for (int i = 0; i < list.Count; i++) if (list[i] == s) return i; return -1; }

    public string MidiPath(CatalogEntry e) => Path.Combine(Root, e.MidiFilename);

    /// <summary>Loads the CSV (or the CSV inside a folder) and keeps the selected composers. Collaborations
    /// ("A / B") are dropped. Classes are ordered as in the selection list, else alphabetically.</summary>
    public static Catalog Load(string csvOrFolder, ComposerSelection? selection = null)
    {
        selection ??= ComposerSelection.All;
        string csv = Directory.Exists(csvOrFolder) ? FindCsv(csvOrFolder) : csvOrFolder;
        if (!File.Exists(csv)) throw new CatalogFormatException(csv, "catalog file not found");
        var all = ReadAll(csv);
        var eligible = all.Where(e => !e.CanonicalComposer.Contains('/')).ToList();
        var piecesPerComposer = eligible.GroupBy(e => e.Composer).ToDictionary(g => g.Key, g => g.Select(e => e.PieceKey).Distinct().Count());
        IEnumerable<string> names = selection.Names ?? (IEnumerable<string>)piecesPerComposer.Keys.Order(StringComparer.Ordinal).ToList();
        var classes = names.Where(n => piecesPerComposer.TryGetValue(n, out int c) && c >= selection.MinPieces).ToList();
        var kept = eligible.Where(e => classes.Contains(e.Composer)).ToList();
        return new Catalog(Path.GetDirectoryName(Path.GetFullPath(csv))!, kept, classes);
    }

    static string FindCsv(string folder)
    {
        var candidates = Directory.GetFiles(folder, "maestro-v*.csv", SearchOption.TopDirectoryOnly)
            .Concat(Directory.GetFiles(folder, "maestro-v*.csv", SearchOption.AllDirectories)).ToList();
        return candidates.FirstOrDefault() ?? throw new CatalogFormatException(folder, "no maestro-v*.csv found in this folder (see data/README.md)");
    }

    static List<CatalogEntry> ReadAll(string csv)
    {
        DataFrame df;
        try
        {
            // Every column as string: years and durations are parsed below with a clear error per row.
            var header = ParseHeader(File.ReadLines(csv).FirstOrDefault() ?? "");
            df = DataFrame.LoadCsv(csv, header: true, dataTypes: header.Select(_ => typeof(string)).ToArray(), encoding: System.Text.Encoding.UTF8);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new CatalogFormatException(csv, "cannot parse CSV: " + e.Message);
        }
        var missing = RequiredColumns.Where(c => !df.Columns.Any(col => col.Name == c)).ToList();
        if (missing.Count > 0)
            throw new CatalogFormatException(csv, $"missing column(s) {string.Join(", ", missing)}; expected the MAESTRO v2.0.0 schema ({string.Join(",", RequiredColumns)})");
        var entries = new List<CatalogEntry>((int)df.Rows.Count);
        for (long r = 0; r < df.Rows.Count; r++)
        {
            string Get(string col) => df[col][r]?.ToString()?.Trim() ?? "";
            if (!int.TryParse(Get("year"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int year))
                throw new CatalogFormatException(csv, $"row {r + 2}: year '{Get("year")}' is not a number");
            if (!double.TryParse(Get("duration"), NumberStyles.Float, CultureInfo.InvariantCulture, out double duration))
                throw new CatalogFormatException(csv, $"row {r + 2}: duration '{Get("duration")}' is not a number");
            string file = Get("midi_filename");
            if (file.Length == 0) throw new CatalogFormatException(csv, $"row {r + 2}: empty midi_filename");
            entries.Add(new CatalogEntry(Get("canonical_composer"), Get("canonical_title"), Get("split"), year, file, duration));
        }
        return entries;
    }

    static string[] ParseHeader(string line) => line.Split(',');

    /// <summary>The catalog as a DataFrame: one row per performance, with its class.</summary>
    public DataFrame ToDataFrame()
    {
        return new DataFrame(
            new StringDataFrameColumn("composer", Entries.Select(e => e.Composer)),
            new StringDataFrameColumn("title", Entries.Select(e => e.Title)),
            new StringDataFrameColumn("split", Entries.Select(e => e.Split)),
            new PrimitiveDataFrameColumn<int>("year", Entries.Select(e => e.Year)),
            new PrimitiveDataFrameColumn<double>("duration_s", Entries.Select(e => e.Duration)),
            new StringDataFrameColumn("midi_filename", Entries.Select(e => e.MidiFilename)));
    }

    /// <summary>Pieces, performances and hours per class.</summary>
    public DataFrame Summary()
    {
        var groups = Classes.Select(c => Entries.Where(e => e.Composer == c).ToList()).ToList();
        return new DataFrame(
            new StringDataFrameColumn("composer", Classes),
            new PrimitiveDataFrameColumn<int>("pieces", groups.Select(g => g.Select(e => e.PieceKey).Distinct().Count())),
            new PrimitiveDataFrameColumn<int>("performances", groups.Select(g => g.Count)),
            new PrimitiveDataFrameColumn<double>("hours", groups.Select(g => Math.Round(g.Sum(e => e.Duration) / 3600, 2))));
    }

    public static string Surname(string composer)
    {
        var parts = composer.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? "" : parts[^1];
    }

    public static string NormaliseTitle(string title) =>
        Spaces().Replace(NonAlnum().Replace(title.ToLowerInvariant(), " "), " ").Trim();

    [GeneratedRegex(@"[^\p{L}\p{N}]+")] private static partial Regex NonAlnum();
    [GeneratedRegex(@"\s+")] private static partial Regex Spaces();
}

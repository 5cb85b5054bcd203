using System.Globalization;
using Microsoft.Data.Analysis;

namespace MidiGenre.Data;

/// <summary>Which columns of a catalog CSV name a performance's file, its class and its piece. Null asks for the
/// documented detection (<see cref="CatalogCsvReader"/>): MAESTRO's schema, ASAP's (<c>metadata.csv</c> of
/// fosfrancesco/asap-dataset), or any CSV whose columns carry one of the common names.</summary>
public sealed record CatalogColumns(string? File = null, string? Piece = null)
{
    public static readonly CatalogColumns Detect = new();

    /// <summary>File columns tried in order when none is named: MAESTRO's, then ASAP's, then common names.</summary>
    public static readonly string[] FileNames = ["midi_filename", "midi_performance", "midi_file", "filename", "file"];

    /// <summary>Piece columns tried in order: MAESTRO's title, ASAP's piece folder, then common names; with none,
    /// every file is a piece of its own.</summary>
    public static readonly string[] PieceNames = ["canonical_title", "folder", "piece", "title"];

    /// <summary>Where the default label column (MAESTRO's canonical_composer) is absent, this one is taken.</summary>
    public const string PlainComposer = "composer";
}

/// <summary>A catalog CSV: MAESTRO's own, ASAP's metadata.csv as it is, or any with a file and a label column,
/// read with Microsoft.Data.Analysis's CSV parser — header and rows alike, so quoting and a byte-order mark are handled
/// once. Columns are named (<see cref="CatalogColumns"/>, --file-column, --piece-column, --label) or detected: the
/// file is the first of <see cref="CatalogColumns.FileNames"/> present, the label canonical_composer (MAESTRO: the
/// composer's surname), else composer (ASAP), the piece the first of <see cref="CatalogColumns.PieceNames"/> present.
/// The piece key is the label and the normalised piece value, so every performance of a piece shares one split.
/// </summary>
static class CatalogCsvReader
{
    public static (List<CatalogEntry> Entries, bool HasSplit, string LabelColumn) Read(
        string csv,
        string labelColumn,
        CatalogColumns? columns = null
    )
    {
        if (!File.Exists(csv))
            throw new CatalogFormatException(csv, "catalog file not found");
        columns ??= CatalogColumns.Detect;
        var df = Load(csv);
        bool Has(string c) => df.Columns.Any(col => col.Name == c);
        string present = string.Join(", ", df.Columns.Select(c => c.Name));
        if (labelColumn == Catalog.DefaultLabelColumn && !Has(labelColumn) && Has(CatalogColumns.PlainComposer))
            labelColumn = CatalogColumns.PlainComposer;
        string? file = columns.File ?? CatalogColumns.FileNames.FirstOrDefault(Has);
        string? piece = columns.Piece ?? CatalogColumns.PieceNames.FirstOrDefault(Has);
        var missing = new[] { file ?? "midi_filename", labelColumn, columns.Piece }
            .OfType<string>()
            .Distinct()
            .Where(c => !Has(c))
            .ToList();
        if (missing.Count > 0)
            throw new CatalogFormatException(
                csv,
                $"missing column(s) {string.Join(", ", missing)}; a catalog needs a file column (--file-column or "
                    + $"MIDIGENRE_FILE_COLUMN; detected: {string.Join(", ", CatalogColumns.FileNames)}) and its label "
                    + $"column (--label, default {Catalog.DefaultLabelColumn}, else "
                    + $"{CatalogColumns.PlainComposer}), as in the MAESTRO v2.0.0 schema "
                    + $"({string.Join(",", Catalog.MaestroColumns)}) or ASAP's metadata.csv; columns present: {present}"
            );
        var schema = new Schema(file!, labelColumn, piece);
        var entries = new List<CatalogEntry>((int)df.Rows.Count);
        for (long r = 0; r < df.Rows.Count; r++)
            entries.Add(Entry(csv, schema, r + 2, col => Has(col) ? df[col][r]?.ToString()?.Trim() ?? "" : ""));
        return (entries, Has("split") && entries.All(e => e.Split.Length > 0), labelColumn);
    }

    sealed record Schema(string File, string Label, string? Piece);

    /// <summary>Every column as text (years and durations are parsed per row, each failure with its line): the
    /// header is read by the same parser first, to know how many columns there are.</summary>
    static DataFrame Load(string csv)
    {
        try
        {
            int columns = DataFrame
                .LoadCsv(csv, header: true, numRows: 1, encoding: System.Text.Encoding.UTF8)
                .Columns.Count;
            return DataFrame.LoadCsv(
                csv,
                header: true,
                dataTypes: Enumerable.Repeat(typeof(string), columns).ToArray(),
                encoding: System.Text.Encoding.UTF8
            );
        }
        catch (Exception e)
            when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new CatalogFormatException(csv, "cannot parse CSV: " + e.Message);
        }
    }

    static CatalogEntry Entry(string csv, Schema schema, long line, Func<string, string> get)
    {
        string yearText = get("year"),
            durationText = get("duration");
        int year = 0;
        double duration = 0;
        if (
            yearText.Length > 0
            && !int.TryParse(yearText, NumberStyles.Integer, CultureInfo.InvariantCulture, out year)
        )
            throw new CatalogFormatException(csv, $"row {line}: year '{yearText}' is not a number");
        if (
            durationText.Length > 0
            && !double.TryParse(durationText, NumberStyles.Float, CultureInfo.InvariantCulture, out duration)
        )
            throw new CatalogFormatException(csv, $"row {line}: duration '{durationText}' is not a number");
        string file = get(schema.File);
        if (file.Length == 0)
            throw new CatalogFormatException(csv, $"row {line}: empty {schema.File}");
        string composer = get("canonical_composer") is { Length: > 0 } c ? c : get(CatalogColumns.PlainComposer),
            title = get("canonical_title") is { Length: > 0 } t ? t
            : get("title") is { Length: > 0 } t2 ? t2
            : file;
        string label = schema.Label == Catalog.DefaultLabelColumn ? Catalog.Surname(composer) : get(schema.Label);
        string piece = schema.Piece is { } p && get(p) is { Length: > 0 } value ? value : file;
        return new CatalogEntry(composer, title, get("split"), year, file, duration)
        {
            Label = label,
            PieceKey = label + "|" + Catalog.NormaliseTitle(piece),
        };
    }
}

using System.Globalization;
using Microsoft.Data.Analysis;

namespace MidiGenre.Data;

/// <summary>A catalog CSV in the MAESTRO v2.0.0 schema (MAESTRO's own, or any with midi_filename and a label column),
/// read with Microsoft.Data.Analysis's CSV parser — header and rows alike, so quoting and a byte-order mark are handled
/// once. The label is the composer's surname for MAESTRO's canonical_composer column, else the column's value; the
/// piece key is the label and the normalised title.</summary>
static class CatalogCsvReader
{
    public static (List<CatalogEntry> Entries, bool HasSplit) Read(string csv, string labelColumn)
    {
        if (!File.Exists(csv))
            throw new CatalogFormatException(csv, "catalog file not found");
        var df = Load(csv);
        bool Has(string c) => df.Columns.Any(col => col.Name == c);
        var missing = Catalog.RequiredColumns.Append(labelColumn).Distinct().Where(c => !Has(c)).ToList();
        if (missing.Count > 0)
            throw new CatalogFormatException(
                csv,
                $"missing column(s) {string.Join(", ", missing)}; a catalog needs midi_filename and "
                    + $"its label column (--label, default {Catalog.DefaultLabelColumn}), as in the MAESTRO v2.0.0 "
                    + $"schema ({string.Join(",", Catalog.MaestroColumns)}); "
                    + $"columns present: {string.Join(", ", df.Columns.Select(c => c.Name))}"
            );
        var entries = new List<CatalogEntry>((int)df.Rows.Count);
        for (long r = 0; r < df.Rows.Count; r++)
            entries.Add(Entry(csv, labelColumn, r + 2, col => Has(col) ? df[col][r]?.ToString()?.Trim() ?? "" : ""));
        return (entries, Has("split") && entries.All(e => e.Split.Length > 0));
    }

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

    static CatalogEntry Entry(string csv, string labelColumn, long line, Func<string, string> get)
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
        string file = get("midi_filename");
        if (file.Length == 0)
            throw new CatalogFormatException(csv, $"row {line}: empty midi_filename");
        string composer = get("canonical_composer"),
            title = get("canonical_title") is { Length: > 0 } t ? t : file;
        string label = labelColumn == Catalog.DefaultLabelColumn ? Catalog.Surname(composer) : get(labelColumn);
        return new CatalogEntry(composer, title, get("split"), year, file, duration)
        {
            Label = label,
            PieceKey = label + "|" + Catalog.NormaliseTitle(title),
        };
    }
}

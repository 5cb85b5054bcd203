using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using MidiGenre.Charts;

namespace MidiGenre.Notebooks;

/// <summary>What the first cell of every notebook calls: figures, tables, play controls and DataFrames render as
/// HTML (plotly.js travels inside the notebook, so charts render offline and in saved copies).</summary>
public static class NotebookOutput
{
    public static void Register()
    {
        Formatter.Register<Figure>((f, w) => w.Write(f.Html), HtmlFormatter.MimeType);
        Formatter.Register<Table>((t, w) => w.Write(t.Html), HtmlFormatter.MimeType);
        Formatter.Register<Player>((p, w) => w.Write(p.Html), HtmlFormatter.MimeType);
        Formatter.Register<DataFrame>((df, w) => w.Write(Tables.Of(df).Html), HtmlFormatter.MimeType);
        // The parameters cell shows a table of what this run uses, not a record dump.
        Formatter.Register<Experiments.StudyParameters>(
            (p, w) => w.Write(StudyTables.Parameters(p).Html),
            HtmlFormatter.MimeType
        );
    }
}

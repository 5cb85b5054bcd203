using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace MidiGenre.Charts;

/// <summary>An HTML table for notebooks (the kernel has no DataFrame formatter of its own).</summary>
public sealed record Table(string Title, string Html)
{
    public override string ToString() => $"Table: {Title}";
}

public static class Tables
{
    public static Table Of(DataFrame df, string title = "")
    {
        var sb = new StringBuilder();
        if (title.Length > 0)
            sb.Append("<p><b>").Append(WebUtility.HtmlEncode(title)).Append("</b></p>");
        sb.Append("<table><thead><tr>");
        foreach (var c in df.Columns)
            sb.Append("<th>").Append(WebUtility.HtmlEncode(c.Name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        for (long r = 0; r < df.Rows.Count; r++)
        {
            sb.Append("<tr>");
            foreach (var c in df.Columns)
            {
                string v = c[r] switch
                {
                    double d => d.ToString("0.####", CultureInfo.InvariantCulture),
                    var o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
                };
                sb.Append("<td>").Append(WebUtility.HtmlEncode(v)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        return new Table(title, sb.ToString());
    }

    /// <summary>A table from rows of (column → value).</summary>
    public static Table Of(IEnumerable<IReadOnlyDictionary<string, object>> rows, string title = "")
    {
        var list = rows.ToList();
        var columns = list.SelectMany(r => r.Keys).Distinct().ToList();
        var df = new DataFrame(
            columns.Select(c =>
                (DataFrameColumn)
                    new StringDataFrameColumn(
                        c,
                        list.Select(r =>
                            r.TryGetValue(c, out var v)
                                ? v switch
                                {
                                    double d => d.ToString("0.####", CultureInfo.InvariantCulture),
                                    _ => Convert.ToString(v, CultureInfo.InvariantCulture),
                                }
                                : ""
                        )
                    )
            )
        );
        return Of(df, title);
    }
}

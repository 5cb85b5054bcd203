using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using PChart = Plotly.NET.CSharp.Chart;

namespace MidiGenre.Charts;

/// <summary>
/// Plotly.NET builds each figure; it crosses back as plotly figure JSON (data + layout), which the library embeds in
/// its own HTML (plotly.js once per notebook, see MidiGenre's FigureHtml). Only BCL types cross this API, because it is
/// called across load contexts.
/// </summary>
public static class PlotlyCharts
{
    static string Json(GenericChart chart, string title, string xTitle, string yTitle)
    {
        var titled = Plotly
            .NET.Chart.withTitle(title, null)
            .Invoke(chart)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return GenericChart.toFigureJson(titled);
    }

    /// <summary>plotly.js as Plotly.NET ships it (an embedded resource), so figures render offline.</summary>
    public static string PlotlyJs()
    {
        var asm = typeof(GenericChart).Assembly;
        string name = asm.GetManifestResourceNames().Single(n => n.EndsWith(".min.js", StringComparison.Ordinal));
        using var reader = new StreamReader(asm.GetManifestResourceStream(name)!);
        return reader.ReadToEnd();
    }

    public static string Lines(
        string title,
        string xTitle,
        string yTitle,
        string[] names,
        double[][] x,
        double[][] y
    ) =>
        Json(
            PChart.Combine(
                names.Select((n, i) => PChart.Line<double, double, string>(x[i], y[i], ShowMarkers: true, Name: n))
            ),
            title,
            xTitle,
            yTitle
        );

    public static string Heatmap(string title, string xTitle, string yTitle, double[][] z, string[] x, string[] y) =>
        Json(PChart.Heatmap<double, string, string, string>(z, X: x, Y: y), title, xTitle, yTitle);

    /// <summary>Several heatmaps side by side (e.g. original, adversarial, difference).</summary>
    public static string Heatmaps(
        string title,
        string xTitle,
        string yTitle,
        string[] subtitles,
        double[][][] z,
        string[] x,
        string[] y
    ) =>
        Json(
            PChart.Grid(
                z.Select((zz, i) => PChart.Heatmap<double, string, string, string>(zz, X: x, Y: y, Name: subtitles[i])),
                1,
                z.Length,
                SubPlotTitles: subtitles
            ),
            title,
            xTitle,
            yTitle
        );

    public static string Bars(
        string title,
        string xTitle,
        string yTitle,
        string[] labels,
        string[] names,
        double[][] values
    ) =>
        Json(
            PChart.Combine(
                names.Select((n, i) => PChart.Column<double, string, string>(values[i], Keys: labels, Name: n))
            ),
            title,
            xTitle,
            yTitle
        );
}

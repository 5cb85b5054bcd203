using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using PChart = Plotly.NET.CSharp.Chart;

namespace MidiGenre.Charts;

/// <summary>
/// Plotly.NET figures rendered to HTML fragments with plotly.js embedded (offline, no CDN). Only BCL types cross
/// this API, because it is called across load contexts.
/// </summary>
public static class PlotlyCharts
{
    static string Render(GenericChart chart, string title, string xTitle, string yTitle, int width, int height)
    {
        var titled = Plotly.NET.Chart.withTitle(title, null).Invoke(chart)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithSize(width, height);
        var options = DisplayOptions.init(null, null, null, null, null, null, FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full));
        // The embedded form inlines plotly.js (PlotlyJSReference.Full), so the output renders with no network.
        return GenericChart.toEmbeddedHTML(GenericChart.setDisplayOptions(options, titled));
    }

    public static string Lines(string title, string xTitle, string yTitle, string[] names, double[][] x, double[][] y, int width, int height) =>
        Render(PChart.Combine(names.Select((n, i) => PChart.Line<double, double, string>(x[i], y[i], ShowMarkers: true, Name: n))), title, xTitle, yTitle, width, height);

    public static string Heatmap(string title, string xTitle, string yTitle, double[][] z, string[] x, string[] y, int width, int height) =>
        Render(PChart.Heatmap<double, string, string, string>(z, X: x, Y: y), title, xTitle, yTitle, width, height);

    /// <summary>Several heatmaps side by side (e.g. original, adversarial, difference).</summary>
    public static string Heatmaps(string title, string xTitle, string yTitle, string[] subtitles, double[][][] z, string[] x, string[] y, int width, int height) =>
        Render(PChart.Grid(z.Select((zz, i) => PChart.Heatmap<double, string, string, string>(zz, X: x, Y: y, Name: subtitles[i], ShowScale: i == 0)), 1, z.Length,
            SubPlotTitles: subtitles), title, xTitle, yTitle, width, height);

    public static string Bars(string title, string xTitle, string yTitle, string[] labels, string[] names, double[][] values, int width, int height) =>
        Render(PChart.Combine(names.Select((n, i) => PChart.Column<double, string, string>(values[i], Keys: labels, Name: n))), title, xTitle, yTitle, width, height);
}

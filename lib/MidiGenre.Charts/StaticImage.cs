using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace MidiGenre.Charts;

/// <summary>
/// A PNG of a plotly figure, drawn with ScottPlot from the same figure JSON, for viewers that run no JavaScript (a
/// code host's notebook preview, a printed handout). It knows the traces and layout the project's figures use —
/// heatmaps (with note outlines), lines with markers, grouped bars, side-by-side panels, subplot titles, axis titles,
/// ranges and tick labels, a horizontal reference line — and draws each panel as a ScottPlot plot under the figure's
/// title. The interactive plotly figure stays the reference; this is its likeness.
/// </summary>
public static partial class StaticImage
{
    const int TitleBand = 40;

    /// <summary>The figure as PNG bytes, <paramref name="width"/> × its layout height (pixels).</summary>
    public static byte[] Png(string figureJson, int width)
    {
        var figure = JsonNode.Parse(figureJson)!.AsObject();
        var gaps = ImageCoverage.Gaps(figure);
        if (gaps.Count > 0 && ImageCoverage.Strict)
            throw new NotSupportedException(
                $"the static image cannot draw {string.Join(", ", gaps)} (a case in StaticImage, or a reason in "
                    + "ImageCoverage why it may leave it out)"
            );
        var layout = figure["layout"] as JsonObject ?? new JsonObject();
        var traces = figure["data"]!.AsArray().Select(t => t!.AsObject()).ToList();
        int height = layout["height"]?.GetValue<int>() ?? 480;
        var panels = traces
            .Select(t => (X: t["xaxis"]?.ToString() ?? "x", Y: t["yaxis"]?.ToString() ?? "y"))
            .Distinct()
            .ToList();
        // Panels sit on a grid: columns by where their x axis starts (or, in a plotly layout grid without domains, by
        // the axis's number), rows (top first) by where their y axis starts.
        double Column(string x) => Span(layout, x).Start;
        var columns = panels.Select(p => Column(p.X)).Distinct().Order().ToList();
        var rows = panels.Select(p => Domain(layout, "yaxis", p.Y).Start).Distinct().OrderDescending().ToList();
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        surface.Canvas.Clear(SKColors.White);
        DrawTitle(surface.Canvas, Text(layout["title"]?["text"]), width);
        int panelWidth = width / columns.Count,
            panelHeight = (height - TitleBand) / rows.Count;
        foreach (var panel in panels)
        {
            var plot = new Plot();
            plot.Legend.FontSize = 13;
            var own = traces
                .Where(t => (t["xaxis"]?.ToString() ?? "x", t["yaxis"]?.ToString() ?? "y") == panel)
                .ToList();
            var bars = own.Where(t => t["type"]?.ToString() == "bar").ToList();
            bool stacked = layout["barmode"]?.ToString() == "stack";
            var stackBase = new Dictionary<int, double>();
            foreach (var t in own)
                AddTrace(plot, t, traces.IndexOf(t), stacked ? (0, 1) : (bars.IndexOf(t), bars.Count), stackBase);
            FinishPanel(plot, layout, own, panel.X, panel.Y, panels.Count == 1);
            int column = columns.IndexOf(Column(panel.X)),
                row = rows.IndexOf(Domain(layout, "yaxis", panel.Y).Start);
            using var image = Render(plot, panelWidth, panelHeight);
            surface.Canvas.DrawImage(image, column * panelWidth, TitleBand + row * panelHeight);
        }
        if (gaps.Count > 0)
            DrawGaps(surface.Canvas, gaps, width, height);
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>A plot rendered alone (ScottPlot clears the canvas it draws on, so each panel gets its own).</summary>
    static SKImage Render(Plot plot, int width, int height)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Math.Max(width, 50), Math.Max(height, 50)));
        plot.Render(surface.Canvas, surface.Canvas.DeviceClipBounds.Width, surface.Canvas.DeviceClipBounds.Height);
        return surface.Snapshot();
    }

    static void DrawTitle(SKCanvas canvas, string title, int width)
    {
        using var font = new SKFont(SKTypeface.Default, 18) { Embolden = true };
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        string shown = title;
        while (shown.Length > 10 && font.MeasureText(shown) > width - 24)
            shown = shown[..^2];
        if (shown != title)
            shown = shown.TrimEnd() + "…";
        canvas.DrawText(shown, 12, 26, SKTextAlign.Left, font, paint);
    }

    /// <summary>Says on the image what it leaves out, so a likeness that shows less never passes for the
    /// chart.</summary>
    static void DrawGaps(SKCanvas canvas, List<string> gaps, int width, int height)
    {
        using var font = new SKFont(SKTypeface.Default, 12);
        using var paint = new SKPaint { Color = SKColors.DarkRed, IsAntialias = true };
        string text = $"this image leaves out {string.Join(", ", gaps)}: the interactive chart shows them";
        while (text.Length > 10 && font.MeasureText(text) > width - 24)
            text = text[..^2];
        canvas.DrawText(text, 12, height - 8, SKTextAlign.Left, font, paint);
    }

    static void AddTrace(
        Plot plot,
        JsonObject t,
        int index,
        (int Slot, int Slots) group,
        Dictionary<int, double> stackBase
    )
    {
        switch (t["type"]?.ToString() ?? "scatter")
        {
            case "heatmap":
                AddHeatmap(plot, t);
                break;
            case "contour":
                AddOutlines(plot, t);
                break;
            case "bar":
                AddBars(plot, t, index, group.Slot, group.Slots, stackBase);
                break;
            default:
                AddLine(plot, t, index);
                break;
        }
    }

    static void AddHeatmap(Plot plot, JsonObject t)
    {
        var rows = t["z"]!.AsArray().Select(r => r!.AsArray().Select(Number).ToArray()).ToArray();
        int ny = rows.Length,
            nx = ny == 0 ? 0 : rows[0].Length;
        var z = new double[ny, nx];
        for (int i = 0; i < ny; i++)
        for (int j = 0; j < nx; j++)
            z[ny - 1 - i, j] = rows[i][j]; // ScottPlot's first row is the top one; plotly's the bottom one
        var (x0, dx, xLabels) = Coordinates(t["x"] as JsonArray, nx);
        var (y0, dy, yLabels) = Coordinates(t["y"] as JsonArray, ny);
        var heatmap = plot.Add.Heatmap(z);
        heatmap.Rectangle = new CoordinateRect(x0 - dx / 2, x0 + dx * (nx - 0.5), y0 - dy / 2, y0 + dy * (ny - 0.5));
        heatmap.Colormap = Colormap(t["colorscale"]?.ToString(), t["reversescale"]?.GetValue<bool>() == true);
        if (t["zmin"] != null && t["zmax"] != null)
            heatmap.ManualRange = new ScottPlot.Range(Number(t["zmin"]), Number(t["zmax"]));
        if (t["showscale"]?.GetValue<bool>() != false)
        {
            var bar = plot.Add.ColorBar(heatmap);
            bar.Label = Text(t["colorbar"]?["title"]?["text"]);
            bar.LabelStyle.FontSize = 12;
        }
        if (xLabels != null)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                [.. xLabels.Select((_, i) => x0 + i * dx)],
                xLabels
            );
        if (yLabels != null)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                [.. yLabels.Select((_, i) => y0 + i * dy)],
                yLabels
            );
        if (t["text"] is JsonArray text)
            for (int i = 0; i < ny; i++)
            for (int j = 0; j < nx; j++)
            {
                var label = plot.Add.Text(text[i]![j]!.ToString(), x0 + j * dx, y0 + i * dy);
                label.Alignment = Alignment.MiddleCenter;
                label.LabelFontSize = 11;
                label.LabelFontColor = rows[i][j] > 0.5 ? Colors.White : Colors.Black;
            }
    }

    /// <summary>A 0/1 mask's outline (the notes under a saliency map): one white rectangle per run of ones along a
    /// row.</summary>
    static void AddOutlines(Plot plot, JsonObject t)
    {
        var rows = t["z"]!.AsArray().Select(r => r!.AsArray().Select(Number).ToArray()).ToArray();
        var (x0, dx, _) = Coordinates(t["x"] as JsonArray, rows.FirstOrDefault()?.Length ?? 0);
        var (y0, dy, _) = Coordinates(t["y"] as JsonArray, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        for (int j = 0; j < rows[i].Length; )
        {
            if (rows[i][j] <= 0.5)
            {
                j++;
                continue;
            }
            int k = j;
            while (k < rows[i].Length && rows[i][k] > 0.5)
                k++;
            var r = plot.Add.Rectangle(
                x0 + (j - 0.5) * dx,
                x0 + (k - 0.5) * dx,
                y0 + (i - 0.5) * dy,
                y0 + (i + 0.5) * dy
            );
            r.FillColor = Colors.Transparent;
            r.LineColor = Colors.White;
            r.LineWidth = 1;
            j = k;
        }
    }

    static void AddLine(Plot plot, JsonObject t, int index)
    {
        var x = (t["x"] as JsonArray ?? []).Select(Number).ToArray();
        var y = (t["y"] as JsonArray ?? []).Select(Number).ToArray();
        var keep = Enumerable.Range(0, Math.Min(x.Length, y.Length)).Where(i => double.IsFinite(y[i])).ToArray();
        var line = plot.Add.Scatter(keep.Select(i => x[i]).ToArray(), keep.Select(i => y[i]).ToArray());
        var colour = Colour(t["line"]?["color"] ?? t["marker"]?["color"], index);
        line.Color = colour;
        line.LineWidth = (float)(t["line"]?["width"] is JsonNode w ? Number(w) : 2);
        line.LinePattern = t["line"]?["dash"]?.ToString() switch
        {
            "dash" or "longdash" or "dashdot" or "longdashdot" => LinePattern.Dashed,
            "dot" => LinePattern.Dotted,
            _ => LinePattern.Solid,
        };
        line.MarkerShape =
            t["mode"]?.ToString() is { } mode && !mode.Contains("markers")
                ? MarkerShape.None
                : Marker(t["marker"]?["symbol"]?.ToString());
        line.MarkerSize = 8;
        if (t["showlegend"]?.GetValue<bool>() != false)
            line.LegendText = Text(t["name"]);
        if (t["mode"]?.ToString()?.Contains("text") == true && t["text"] is JsonArray labels)
            foreach (int i in keep.Where(i => i < labels.Count))
            {
                var label = plot.Add.Text(labels[i]?.ToString() ?? "", x[i], y[i]);
                label.Alignment = Alignment.LowerCenter;
                label.LabelFontSize = 11;
                label.OffsetY = -6;
            }
    }

    /// <summary>Grouped bars (each trace takes its slot in every category) or, with plotly's <c>barmode: stack</c>,
    /// bars stacked on what the traces before put there (<paramref name="stackBase"/>, per category).</summary>
    static void AddBars(Plot plot, JsonObject t, int index, int slot, int slots, Dictionary<int, double> stackBase)
    {
        var labels = (t["x"] as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToArray();
        var values = (t["y"] as JsonArray ?? []).Select(Number).ToArray();
        var text = t["text"] as JsonArray;
        double size = 0.8 / slots;
        var colour = Colour(t["marker"]?["color"], index);
        var bars = values
            .Select(
                (v, i) =>
                {
                    double under = stackBase.GetValueOrDefault(i),
                        value = double.IsFinite(v) ? v : 0;
                    stackBase[i] = slots == 1 ? under + value : 0;
                    return new Bar
                    {
                        Position = i + (slot - (slots - 1) / 2.0) * size,
                        ValueBase = slots == 1 ? under : 0,
                        Value = (slots == 1 ? under : 0) + value,
                        Size = size * 0.95,
                        FillColor = colour,
                        LineWidth = 0,
                        Label = text?[i]?.ToString() ?? "",
                    };
                }
            )
            .ToList();
        var plotted = plot.Add.Bars(bars);
        plotted.LegendText = t["showlegend"]?.GetValue<bool>() == false ? "" : Text(t["name"]);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. labels.Select((_, i) => (double)i)],
            labels
        );
    }

    static void FinishPanel(Plot plot, JsonObject layout, List<JsonObject> own, string xRef, string yRef, bool only)
    {
        // Labels placed in data coordinates (e.g. each bar's verdict); a category stands at its index.
        var categories = own.Where(t => t["type"]?.ToString() == "bar")
            .SelectMany(t => (t["x"] as JsonArray ?? []).Select(v => v?.ToString() ?? ""))
            .Distinct()
            .ToList();
        foreach (var a in (layout["annotations"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (a["xref"]?.ToString() != xRef || a["yref"]?.ToString() != yRef)
                continue;
            double x =
                a["x"] is JsonValue v && v.TryGetValue<double>(out double d)
                    ? d
                    : categories.IndexOf(a["x"]?.ToString() ?? "");
            if (x < 0)
                continue;
            var label = plot.Add.Text(Text(a["text"]), x, Number(a["y"]));
            label.Alignment = Alignment.LowerCenter;
            label.LabelFontSize = 11;
        }
        var xAxis = layout[AxisName("xaxis", xRef)] as JsonObject;
        var yAxis = layout[AxisName("yaxis", yRef)] as JsonObject;
        plot.XLabel(Text(xAxis?["title"]?["text"]), 14);
        plot.YLabel(Text(yAxis?["title"]?["text"]), 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        if (yAxis?["tickvals"] is JsonArray vals && yAxis["ticktext"] is JsonArray names)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                [.. vals.Select(Number)],
                [.. names.Select(n => n?.ToString() ?? "")]
            );
        if (xAxis?["dtick"] is JsonNode dtick && xAxis["tickvals"] == null)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Number(dtick));
        bool bars = plot.PlottableList.Any(p => p is ScottPlot.Plottables.BarPlot);
        bool heatmap = plot.PlottableList.Any(p => p is ScottPlot.Plottables.Heatmap);
        if (heatmap)
            plot.Axes.TightMargins();
        if (bars)
            plot.Axes.Margins(bottom: 0, top: 0.15);
        if (yAxis?["range"] is JsonArray range && range.Count == 2)
            plot.Axes.SetLimitsY(Number(range[0]), Number(range[1]));
        if (yAxis?["autorange"]?.ToString() == "reversed")
        {
            plot.Axes.InvertY();
            // ScottPlot draws a heatmap's first row at the top of its rectangle whichever way the axis runs.
            foreach (var h in plot.PlottableList.OfType<ScottPlot.Plottables.Heatmap>())
                h.FlipVertically = !h.FlipVertically;
        }
        if (!only)
            plot.Title(PanelTitle(layout, xRef), 14);
        if (xAxis?["range"] is JsonArray xRange && xRange.Count == 2)
            plot.Axes.SetLimitsX(Number(xRange[0]), Number(xRange[1]));
        foreach (var shape in (layout["shapes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (shape["type"]?.ToString() != "line")
                continue;
            ScottPlot.Plottables.AxisLine? line = null;
            if ((shape["yref"]?.ToString() ?? "y") == yRef && Number(shape["y0"]) == Number(shape["y1"]))
                line = plot.Add.HorizontalLine(Number(shape["y0"]));
            else if ((shape["xref"]?.ToString() ?? "x") == xRef && Number(shape["x0"]) == Number(shape["x1"]))
                line = plot.Add.VerticalLine(Number(shape["x0"]));
            if (line == null)
                continue;
            line.LinePattern = shape["line"]?["dash"]?.ToString() == "dot" ? LinePattern.Dotted : LinePattern.Dashed;
            line.Color = Colors.DimGray;
            line.LineWidth = 1.5f;
            line.LegendText = ChanceText(layout, yRef);
        }
        if (plot.PlottableList.SelectMany(p => p.LegendItems).Any(i => !string.IsNullOrEmpty(i.LabelText)))
            plot.ShowLegend(Edge.Bottom);
    }

    /// <summary>A subplot title (plotly puts them in annotations over the panel's domain).</summary>
    static string PanelTitle(JsonObject layout, string xRef)
    {
        var (start, end) = Span(layout, xRef);
        return (layout["annotations"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Where(a => a["xref"]?.ToString() == "paper" && a["yref"]?.ToString() == "paper")
                .Select(a => (X: Number(a["x"]), Text: Text(a["text"])))
                .FirstOrDefault(a => a.X >= start && a.X <= end)
                .Text
            ?? "";
    }

    static string ChanceText(JsonObject layout, string yRef) =>
        (layout["annotations"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(a => (a["yref"]?.ToString() ?? "") == yRef)
            .Select(a => Text(a["text"]))
            .FirstOrDefault()
        ?? "";

    static (double Start, double End) Domain(JsonObject layout, string prefix, string reference) =>
        layout[AxisName(prefix, reference)]?["domain"] is JsonArray d && d.Count == 2
            ? (Number(d[0]), Number(d[1]))
            : (0, 1);

    /// <summary>The share of the figure's width a panel's x axis spans: its domain, or its column of plotly's layout
    /// grid (Plotly.NET's subplot grids set no domains).</summary>
    static (double Start, double End) Span(JsonObject layout, string xRef)
    {
        if (layout[AxisName("xaxis", xRef)]?["domain"] is JsonArray)
            return Domain(layout, "xaxis", xRef);
        int columns = layout["grid"]?["columns"]?.GetValue<int>() ?? 1,
            column = Math.Min(AxisNumber(xRef), columns) - 1;
        return (column / (double)columns, (column + 1) / (double)columns);
    }

    static int AxisNumber(string reference) =>
        reference.Length > 1 ? int.Parse(reference[1..], CultureInfo.InvariantCulture) : 1;

    /// <summary>"x" → "xaxis", "x2" → "xaxis2".</summary>
    static string AxisName(string prefix, string reference) => prefix + reference[1..];

    /// <summary>Numeric coordinates (first value and step) of a heatmap's columns or rows, or category labels placed
    /// at 0, 1, 2, ….</summary>
    static (double Start, double Step, string[]? Labels) Coordinates(JsonArray? values, int n)
    {
        if (values == null || values.Count == 0)
            return (0, 1, null);
        if (values.All(v => v is JsonValue jv && jv.TryGetValue<double>(out _)))
        {
            double first = Number(values[0]),
                step = values.Count > 1 ? (Number(values[^1]) - first) / (values.Count - 1) : 1;
            return (first, step == 0 ? 1 : step, null);
        }
        return (0, 1, [.. values.Select(v => v?.ToString() ?? "").Take(n)]);
    }

    static IColormap Colormap(string? name, bool reversed)
    {
        IColormap map = name switch
        {
            "Blues" => new ScottPlot.Colormaps.Blues(), // dark → light, as plotly's
            "RdBu" => new ScottPlot.Colormaps.CustomInterpolated([
                new Color(5, 10, 172),
                new Color(106, 137, 247),
                new Color(190, 190, 190),
                new Color(230, 145, 90),
                new Color(178, 10, 28),
            ]),
            _ => new ScottPlot.Colormaps.Viridis(),
        };
        return reversed ? map.Reversed() : map;
    }

    static MarkerShape Marker(string? symbol) =>
        symbol switch
        {
            "square" => MarkerShape.FilledSquare,
            "diamond" => MarkerShape.FilledDiamond,
            "triangle-up" => MarkerShape.FilledTriangleUp,
            "triangle-down" => MarkerShape.FilledTriangleDown,
            "x" => MarkerShape.Eks,
            "cross" => MarkerShape.Cross,
            "star" => MarkerShape.Asterisk,
            _ => MarkerShape.FilledCircle,
        };

    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

    static Color Colour(JsonNode? colour, int index) =>
        Color.FromHex(colour is JsonValue v && v.ToString().StartsWith('#') ? v.ToString() : Palette[index % 6]);

    static double Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out double d) ? d
        : node is JsonValue s && double.TryParse(s.ToString(), CultureInfo.InvariantCulture, out double p) ? p
        : double.NaN;

    /// <summary>Plotly's text without its HTML (a <c>&lt;br&gt;</c> becomes a space).</summary>
    static string Text(JsonNode? node) => Tags().Replace(node?.ToString() ?? "", " ").Trim();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}

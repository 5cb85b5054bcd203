using System.Text.Json.Nodes;

namespace MidiGenre.Charts;

/// <summary>
/// What <see cref="StaticImage"/> draws of a plotly figure and what it leaves out on purpose, element by element;
/// anything else in a figure is a gap — the PNG would show less than the interactive chart without saying so. <see
/// cref="Gaps"/> lists them by path ("layout.updatemenus", "data[2].type=pie"); the image then says so on its face,
/// and with MIDIGENRE_STRICT_FIGURES=1 (the tests and CI) a gap is an error. A new figure element needs a drawing in
/// StaticImage and its name here, or a reason here why the image may leave it out.
/// </summary>
public static class ImageCoverage
{
    /// <summary>The variable that makes a gap an error.</summary>
    public const string StrictVariable = "MIDIGENRE_STRICT_FIGURES";

    // Keys each part of a figure may carry: drawn, or left out because they only matter where plotly runs (hover,
    // legend grouping, clipping, placement of a legend or colour bar the image lays out itself, fonts and margins).
    static readonly HashSet<string> TraceKeys =
    [
        // drawn
        "type",
        "x",
        "y",
        "z",
        "name",
        "mode",
        "marker",
        "line",
        "text",
        "showlegend",
        "xaxis",
        "yaxis",
        "colorscale",
        "reversescale",
        "zmin",
        "zmax",
        "showscale",
        "colorbar",
        "contours", // checked below: the image draws a 0/1 mask's outline
        "orientation", // checked below: vertical bars only
        // interaction or placement only
        "hovertemplate",
        "hoverinfo",
        "legendgroup",
        "cliponaxis",
        "textposition",
        "texttemplate",
        "textangle",
    ];

    // pattern: Plotly.NET writes an empty fill pattern on every bar; a real one (a shape) is a gap, checked below.
    static readonly HashSet<string> MarkerKeys = ["color", "symbol", "size", "pattern"];
    static readonly HashSet<string> LineKeys = ["color", "width", "dash"];
    static readonly HashSet<string> ColourBarKeys = ["title", "x", "y", "len", "thickness"];
    static readonly HashSet<string> ContourKeys = ["start", "end", "size", "coloring"];

    static readonly HashSet<string> LayoutKeys =
    [
        "title",
        "height",
        "annotations",
        "shapes",
        "barmode",
        "grid",
        // the image's own page layout
        "width",
        "autosize",
        "margin",
        "legend",
        "font",
        "template",
    ];

    static readonly HashSet<string> AxisKeys =
    [
        "title",
        "range",
        "autorange",
        "tickvals",
        "ticktext",
        "dtick",
        "tick0",
        "tickmode",
        "domain",
        "anchor",
        "type",
    ];

    static readonly HashSet<string> AnnotationKeys =
    [
        "text",
        "x",
        "y",
        "xref",
        "yref",
        "showarrow",
        "xanchor",
        "yanchor",
        "font",
        "textangle",
    ];

    static readonly HashSet<string> ShapeKeys = ["type", "x0", "x1", "y0", "y1", "xref", "yref", "line"];

    static readonly HashSet<string> TraceTypes = ["scatter", "heatmap", "contour", "bar"];
    static readonly HashSet<string> ColourScales = ["Viridis", "Blues", "RdBu"];

    /// <summary><see cref="Gaps(JsonObject)"/> of figure JSON (what crosses the load context).</summary>
    public static List<string> GapsOf(string figureJson) => Gaps(JsonNode.Parse(figureJson)!.AsObject());

    /// <summary>Every element of <paramref name="figure"/> the image neither draws nor may leave out.</summary>
    public static List<string> Gaps(JsonObject figure)
    {
        var gaps = new List<string>();
        foreach (
            var key in figure.Select(kv => kv.Key).Where(k => k is not ("data" or "layout" or "config" or "frames"))
        )
            gaps.Add(key);
        if (figure["frames"] is JsonArray { Count: > 0 })
            gaps.Add("frames (animation)");
        var data = figure["data"] as JsonArray ?? [];
        for (int i = 0; i < data.Count; i++)
            if (data[i] is JsonObject t)
                TraceGaps(t, $"data[{i}]", gaps);
        if (figure["layout"] is JsonObject layout)
            LayoutGaps(layout, gaps);
        return gaps;
    }

    static void TraceGaps(JsonObject t, string at, List<string> gaps)
    {
        Keys(t, TraceKeys, at, gaps);
        string type = t["type"]?.ToString() ?? "scatter";
        if (!TraceTypes.Contains(type))
            gaps.Add($"{at}.type={type}");
        if (t["orientation"]?.ToString() is string o && o != "v")
            gaps.Add($"{at}.orientation={o}");
        // A contour is drawn as the white outline of a 0/1 mask (the notes under a saliency map), whatever its scale.
        if (type == "contour" && t["line"]?["color"]?.ToString() is string outline && outline != "white")
            gaps.Add($"{at}.line.color={outline} (contours are drawn white)");
        if (
            type != "contour"
            && t["colorscale"] is JsonNode scale
            && !(scale is JsonValue && ColourScales.Contains(scale.ToString()))
        )
            gaps.Add($"{at}.colorscale={(scale is JsonValue ? scale.ToString() : scale.ToJsonString())}");
        Nested(t, "marker", MarkerKeys, at, gaps);
        if (t["marker"]?["pattern"] is JsonObject pattern && pattern["shape"]?.ToString() is { Length: > 0 } shape)
            gaps.Add($"{at}.marker.pattern.shape={shape}");
        Nested(t, "line", LineKeys, at, gaps);
        Nested(t, "colorbar", ColourBarKeys, at, gaps);
        Nested(t, "contours", ContourKeys, at, gaps);
        if (type == "contour" && t["contours"] is JsonObject c && Number(c["start"]) != Number(c["end"]))
            gaps.Add($"{at}.contours (more than one level)");
    }

    static void LayoutGaps(JsonObject layout, List<string> gaps)
    {
        foreach (var (key, value) in layout)
        {
            if (key.StartsWith("xaxis", StringComparison.Ordinal) || key.StartsWith("yaxis", StringComparison.Ordinal))
            {
                if (value is JsonObject axis)
                    Keys(axis, AxisKeys, $"layout.{key}", gaps);
                if (key.StartsWith("xaxis", StringComparison.Ordinal) && value?["autorange"]?.ToString() == "reversed")
                    gaps.Add($"layout.{key}.autorange=reversed");
            }
            else if (!LayoutKeys.Contains(key))
                gaps.Add($"layout.{key}");
        }
        if (layout["barmode"]?.ToString() is string mode && mode is not ("group" or "stack"))
            gaps.Add($"layout.barmode={mode}");
        Each(layout["annotations"], AnnotationKeys, "layout.annotations", gaps);
        Each(layout["shapes"], ShapeKeys, "layout.shapes", gaps);
        foreach (var (shape, i) in (layout["shapes"] as JsonArray ?? []).Select((s, i) => (s, i)))
            if (shape?["type"]?.ToString() is string type && type != "line")
                gaps.Add($"layout.shapes[{i}].type={type}");
    }

    static void Each(JsonNode? list, HashSet<string> known, string at, List<string> gaps)
    {
        var items = list as JsonArray ?? [];
        for (int i = 0; i < items.Count; i++)
            if (items[i] is JsonObject o)
                Keys(o, known, $"{at}[{i}]", gaps);
    }

    static void Nested(JsonObject parent, string key, HashSet<string> known, string at, List<string> gaps)
    {
        if (parent[key] is JsonObject o)
            Keys(o, known, $"{at}.{key}", gaps);
    }

    static void Keys(JsonObject o, HashSet<string> known, string at, List<string> gaps) =>
        gaps.AddRange(o.Select(kv => kv.Key).Where(k => !known.Contains(k)).Select(k => $"{at}.{k}"));

    static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out double d) ? d : double.NaN;

    /// <summary>Whether a gap is an error (<see cref="StrictVariable"/> = 1).</summary>
    public static bool Strict => Environment.GetEnvironmentVariable(StrictVariable) == "1";
}

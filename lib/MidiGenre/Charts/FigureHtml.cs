using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace MidiGenre.Charts;

/// <summary>
/// A figure: plotly figure JSON (data + layout) built by Plotly.NET and polished by <see cref="Figures"/>; a notebook
/// displays its <see cref="Html"/>, which carries a static <see cref="Png"/> for viewers that run no JavaScript.
/// </summary>
public sealed class Figure(string title, JsonObject spec)
{
    public string Title { get; } = title;

    /// <summary>The plotly figure: <c>{ "data": [...], "layout": {...} }</c>.</summary>
    public JsonObject Spec { get; } = spec;

    /// <summary>The figure drawn as a PNG (ScottPlot, <see cref="FigureHtml.MaxWidth"/> pixels wide): what a code
    /// host's notebook preview, a printout or a slide shows.</summary>
    public byte[] Png(int width = FigureHtml.MaxWidth) => ChartHost.Png(Spec, width);

    /// <summary>What <see cref="Png"/> leaves out of the interactive chart (paths such as "layout.updatemenus"); empty
    /// for every figure of <see cref="Figures"/>, which a test keeps so.</summary>
    public IReadOnlyList<string> ImageGaps => ChartHost.ImageGaps(Spec);

    /// <summary>Writes <see cref="Png"/> to <paramref name="path"/> (README screenshots, slides).</summary>
    public void SavePng(string path, int width = FigureHtml.MaxWidth) => File.WriteAllBytes(path, Png(width));

    /// <summary>HTML for a notebook output (the first figure of a process also carries plotly.js).</summary>
    public string Html => FigureHtml.Render(this);

    public override string ToString() => $"Figure: {Title}";
}

/// <summary>
/// Figure HTML that renders offline, in VS Code, Jupyter and Jupyter's HTML export alike. plotly.js (from Plotly.NET,
/// 3.6 MB) travels once per notebook — with the first figure a kernel renders — gzip-compressed (1.1 MB) and unpacked
/// in the browser with <c>DecompressionStream</c>; it is evaluated with <c>define</c>, <c>exports</c> and
/// <c>module</c> hidden, so a page with RequireJS on it (classic Jupyter's HTML export) still gets
/// <c>window.Plotly</c>. Every figure waits for <c>window.Plotly</c>, so outputs may render in any order. Until plotly
/// draws — and for good where no script runs (GitHub's notebook preview, nbviewer without JavaScript) — the figure's
/// place shows its static PNG. plotly's toolbar stays hidden: it covers the title in screenshots and a class does not
/// need it (drag zooms, a double click resets).
/// </summary>
public static class FigureHtml
{
    public const int Height = 480,
        MaxWidth = 960;
    static int _libraryWritten;

    public static string Render(Figure figure)
    {
        var sb = new StringBuilder();
        if (Interlocked.Exchange(ref _libraryWritten, 1) == 0)
            sb.Append(LibraryScript.Value);
        string id = "midigenre-figure-" + Guid.NewGuid().ToString("N")[..12];
        int height = figure.Spec["layout"]?["height"]?.GetValue<int>() ?? Height;
        string alt = System.Net.WebUtility.HtmlEncode(figure.Title);
        sb.Append(
            $"<div id=\"{id}\" class=\"midigenre-figure\" style=\"width:100%;max-width:{MaxWidth}px;"
                + $"height:{height}px\"><img alt=\"{alt}\" style=\"width:100%;max-width:{MaxWidth}px\" "
                + $"src=\"data:image/png;base64,{Convert.ToBase64String(figure.Png())}\"></div>"
        );
        sb.Append("<script>(function(){var f=")
            .Append(figure.Spec.ToJsonString())
            .Append(";var t=0;function draw(){")
            .Append("if(!window.Plotly){if(++t<600){return setTimeout(draw,50);}")
            .Append(
                // The static image stays; only the interactive version is missing.
                $"document.getElementById('{id}').insertAdjacentText('afterend','(static image: plotly.js did not "
                    + $"load; run the first chart cell of this notebook again for the interactive figure)');return;}}"
            )
            .Append(
                $"var e=document.getElementById('{id}');e.textContent='';"
                    + "window.Plotly.newPlot(e,f.data,f.layout,{responsive:true,displayModeBar:false});}draw();})();"
                    + $"</script>"
            );
        return sb.ToString();
    }

    /// <summary>Lets the next figure carry plotly.js again (tests; a new notebook in the same kernel).</summary>
    public static void Reset() => Interlocked.Exchange(ref _libraryWritten, 0);

    static readonly Lazy<string> LibraryScript = new(() =>
    {
        byte[] js = System.Text.Encoding.UTF8.GetBytes(ChartHost.PlotlyJs());
        using var packed = new MemoryStream();
        using (var gz = new GZipStream(packed, CompressionLevel.SmallestSize))
            gz.Write(js);
        string b64 = Convert.ToBase64String(packed.ToArray());
        return "<script>(function(){if(window.Plotly||window.__midigenrePlotly){return;}window.__midigenrePlotly=true;"
            + $"var b=Uint8Array.from(atob(\"{b64}\"),function(c){{return c.charCodeAt(0);}});"
            + "new Response(new Blob([b]).stream().pipeThrough(new DecompressionStream('gzip'))).text()"
            + ".then(function(src){(new Function('define','exports','module',src))(undefined,undefined,undefined);});"
            + "})();</script>";
    });
}

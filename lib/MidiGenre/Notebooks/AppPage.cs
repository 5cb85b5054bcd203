using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Markdig;
using Microsoft.Data.Analysis;
using MidiGenre.Charts;

namespace MidiGenre.Notebooks;

/// <summary>
/// What a notebook's file-based app (<c>apps/NN-name.cs</c>, generated from the notebook by <c>midigenre apps</c>)
/// writes instead of notebook outputs: one self-contained HTML page that any browser opens — the markdown cells as
/// text, and per code cell what the notebook would show: tables, figures (interactive, with their static image),
/// play controls, the generated sentences. No notebook kernel is involved: the app is a plain C# program that
/// <c>dotnet run</c> executes top to bottom. The page goes to MIDIGENRE_APP_OUT (default artifacts/apps/) and is
/// written when the app ends, also when a cell throws (the error is shown in its cell, and the app exits 1).
/// </summary>
public sealed class AppPage : IDisposable
{
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    readonly StringBuilder _body = new();
    readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    bool _written;

    /// <summary>The notebook's name ("04-attacks-fgsm-pgd").</summary>
    public string Name { get; }

    /// <summary>Where the page is written.</summary>
    public string OutputPath { get; }

    /// <summary>Figures shown so far (the runner checks that every notebook draws some).</summary>
    public int Figures { get; private set; }

    /// <summary>The variable that names the page's folder.</summary>
    public const string OutVariable = "MIDIGENRE_APP_OUT";

    AppPage(string name, string outDir)
    {
        Name = name;
        Directory.CreateDirectory(outDir);
        OutputPath = Path.Combine(outDir, name + ".html");
        FigureHtml.Reset(); // plotly.js travels with the page's first figure
    }

    /// <summary>Starts the page of <paramref name="name"/>. The working directory becomes the app's own folder,
    /// so the notebook's relative paths ("..", the repository root) mean what they mean beside the
    /// notebooks.</summary>
    public static AppPage Open(string name, [CallerFilePath] string source = "")
    {
        string dir =
            Path.GetDirectoryName(source) is { Length: > 0 } d && Directory.Exists(d)
                ? d
                : Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir);
        string root = Path.GetFullPath("..");
        string outDir = Environment.GetEnvironmentVariable(OutVariable) is { Length: > 0 } o
            ? Path.GetFullPath(o)
            : Path.Combine(root, "artifacts", "apps");
        Console.Error.WriteLine($"{name}: page → {Path.Combine(outDir, name + ".html")}");
        return new AppPage(name, outDir);
    }

    /// <summary>A markdown cell, rendered as HTML (CommonMark with tables).</summary>
    public void Text(string markdown) =>
        _body
            .Append("<section class=\"md\">")
            .Append(Markdig.Markdown.ToHtml(markdown, Markdown))
            .Append("</section>\n");

    /// <summary>Starts code cell <paramref name="id"/> (its outputs follow).</summary>
    public void Cell(string id)
    {
        Console.Error.WriteLine($"{Name}: cell {id} ({_clock.Elapsed.TotalSeconds:F0} s)");
        _body.Append($"<div class=\"cell\" data-cell=\"{WebUtility.HtmlEncode(id)}\"></div>\n");
    }

    /// <summary>What the notebook shows for a value: figures, tables, play controls and DataFrames as HTML, the run's
    /// parameters as a table, text as a paragraph, anything else as its text.</summary>
    public void Show(object? value)
    {
        string html = value switch
        {
            null => "",
            Figure f => Count(f.Html),
            Table t => t.Html,
            Player p => p.Html,
            DataFrame df => Tables.Of(df).Html,
            Experiments.StudyParameters p => StudyTables.Parameters(p).Html,
            string s => $"<p class=\"out\">{WebUtility.HtmlEncode(s)}</p>",
            _ => $"<pre class=\"out\">{WebUtility.HtmlEncode(value.ToString() ?? "")}</pre>",
        };
        _body.Append("<div class=\"output\">").Append(html).Append("</div>\n");
    }

    string Count(string html)
    {
        Figures++;
        return html;
    }

    /// <summary>Shows an error in the page (the app then exits 1).</summary>
    public void Fail(Exception e) =>
        _body.Append($"<pre class=\"error\">{WebUtility.HtmlEncode(e.GetType().Name + ": " + e.Message)}</pre>\n");

    /// <summary>Writes the page (once).</summary>
    public void Dispose()
    {
        if (_written)
            return;
        _written = true;
        string title = WebUtility.HtmlEncode(Name);
        string page =
            $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title><style>{Style}</style>"
            + $"</head><body><main>\n{_body}<footer>{title}: written by its file-based app in "
            + $"{_clock.Elapsed.TotalSeconds:F0} s; {Figures} figure(s).</footer></main></body></html>\n";
        Common.AtomicFile.WriteAllText(OutputPath, page);
        Console.Error.WriteLine($"{Name}: {Figures} figure(s), {_clock.Elapsed.TotalSeconds:F0} s → {OutputPath}");
    }

    /// <summary>Runs the app's cells; an exception is shown in the page, the page is written, and the exit code is
    /// 1.</summary>
    public static int Run(string name, Action<AppPage> cells, [CallerFilePath] string source = "")
    {
        using var page = Open(name, source);
        try
        {
            cells(page);
            return 0;
        }
        catch (Exception e)
        {
            page.Fail(e);
            Console.Error.WriteLine($"{name}: {e}");
            return 1;
        }
    }

    const string Style =
        "body{font-family:system-ui,sans-serif;margin:0;background:#fafafa}main{max-width:1000px;margin:auto;"
        + "padding:1em 2em;background:#fff}section.md{margin:1.2em 0}.output{margin:.6em 0 1.2em}"
        + "p.out{background:#f4f6f8;padding:.5em .8em;border-left:3px solid #7a8ba0}pre{white-space:pre-wrap}"
        + "pre.error{color:#a00;background:#fff0f0;padding:.5em}table{border-collapse:collapse}"
        + "td,th{padding:2px 8px;border-bottom:1px solid #ddd}footer{color:#777;margin-top:2em;font-size:90%}";
}

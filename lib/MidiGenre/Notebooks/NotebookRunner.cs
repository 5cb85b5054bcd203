using System.Diagnostics;
using System.Text.Json;

namespace MidiGenre.Notebooks;

/// <summary>What one executed notebook produced.</summary>
public sealed record NotebookRun(
    string Name,
    int ExitCode,
    string OutputPath,
    int Charts,
    IReadOnlyList<string> Errors,
    double Seconds
)
{
    public bool Ok => ExitCode == 0 && Errors.Count == 0 && Charts > 0;
}

/// <summary>A tool the notebooks need (dotnet-repl, Jupyter) that is missing or cannot be restored; the message
/// says what to install.</summary>
public sealed class NotebookToolException(string message) : Exception(message);

/// <summary>How the notebooks are executed: dotnet-repl (a local tool), or Jupyter's own executor (`jupyter
/// nbconvert --execute`, the path a Jupyter user takes) with the .NET Interactive kernel (<see
/// cref="JupyterKernel"/>).</summary>
public enum NotebookEngine
{
    Repl,
    Jupyter,

    /// <summary>No notebook kernel: each notebook's generated file-based app (<c>apps/NN-name.cs</c>, <c>dotnet
    /// run</c>), which writes one HTML page per notebook (<see cref="AppPage"/>).</summary>
    App,
}

/// <summary>
/// Executes the notebooks headlessly with dotnet-repl or Jupyter (<see cref="NotebookEngine"/>; both local tools in
/// .config/dotnet-tools.json), in order, with MIDIGENRE_PROFILE / MIDIGENRE_OUT set, and keeps the executed copies
/// (outputs and charts included); the same checks apply whichever ran them (no error output, every figure titled,
/// nbformat 4.5 with cell ids).
/// </summary>
public static class NotebookRunner
{
    public static readonly IReadOnlyList<string> Order =
    [
        "01-preprocessing",
        "02-training",
        "03-evaluation",
        "04-attacks-fgsm-pgd",
        "05-adversarial-training",
        "06-musical-attacks",
    ];

    /// <summary>The repository root: the folder above this assembly that holds MidiGenre.sln.</summary>
    public static string FindRepositoryRoot(string? from = null)
    {
        for (var d = new DirectoryInfo(from ?? AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MidiGenre.sln")))
                return d.FullName;
        throw new DirectoryNotFoundException("MidiGenre.sln not found above " + (from ?? AppContext.BaseDirectory));
    }

    public static IReadOnlyList<NotebookRun> RunAll(
        string root,
        string profile,
        string executedDir,
        string? studyOut = null,
        IEnumerable<string>? only = null,
        Action<string>? log = null,
        string? corpus = null,
        string? label = null,
        NotebookEngine engine = NotebookEngine.Repl,
        string? compareWith = null
    )
    {
        Directory.CreateDirectory(executedDir);
        string? kernels = engine == NotebookEngine.Jupyter ? PrepareJupyter(executedDir) : null;
        if (engine != NotebookEngine.App && Run(root, "dotnet", ["tool", "restore"], new(), 300, log) != 0)
            throw new NotebookToolException(
                "`dotnet tool restore` failed (see above), so dotnet-repl cannot run the notebooks; run it in "
                    + root
                    + " to see why (usually no network and no local NuGet cache)"
            );
        var runs = new List<NotebookRun>();
        foreach (var name in only ?? Order)
        {
            string output = Path.Combine(Path.GetFullPath(executedDir), name + ".ipynb");
            var env = new Dictionary<string, string>
            {
                ["MIDIGENRE_PROFILE"] = profile,
                [LiveLine.HeadlessVariable] = "1",
                ["DOTNET_ROLL_FORWARD"] = "Major", // dotnet-repl 0.3.259 targets an older runtime
            };
            if (studyOut != null)
                env["MIDIGENRE_OUT"] = Path.GetFullPath(studyOut);
            if (corpus != null)
                env["MIDIGENRE_CORPUS"] = Path.GetFullPath(corpus);
            if (label != null)
                env["MIDIGENRE_LABEL"] = label;
            log?.Invoke($"running {name} ({profile}) …");
            var sw = Stopwatch.StartNew();
            if (engine == NotebookEngine.App)
            {
                runs.Add(RunApp(root, name, executedDir, env, sw, log, compareWith));
                continue;
            }
            string input = InputFor(root, name, executedDir);
            if (kernels != null)
                env["JUPYTER_PATH"] = kernels;
            int code =
                engine == NotebookEngine.Jupyter
                    ? Run(
                        Path.Combine(root, "notebooks"),
                        "jupyter",
                        [
                            "nbconvert",
                            "--to",
                            "notebook",
                            "--execute",
                            $"--ExecutePreprocessor.kernel_name={JupyterKernel.Name}",
                            "--ExecutePreprocessor.timeout=3600",
                            "--output-dir",
                            Path.GetDirectoryName(output)!,
                            "--output",
                            name,
                            input,
                        ],
                        env,
                        3600,
                        log
                    )
                    : Run(
                        Path.Combine(root, "notebooks"),
                        "dotnet",
                        [
                            "tool",
                            "run",
                            "dotnet-repl",
                            "--",
                            "--run",
                            input,
                            "--exit-after-run",
                            "--output-path",
                            output,
                        ],
                        env,
                        3600,
                        log
                    );
            if (File.Exists(output) && !NotebookFormat.Restore(input, output)) // cell ids and counts (nbformat 4.5)
                log?.Invoke($"{name}: the executed notebook does not have the source's cells; ids not restored");
            if (input != Path.Combine(root, "notebooks", name + ".ipynb"))
                File.Delete(input); // the copy pointing at another build configuration
            var (charts, errors) = File.Exists(output)
                ? Inspect(output)
                : (0, (IReadOnlyList<string>)["no executed notebook written"]);
            var run = new NotebookRun(name, code, output, charts, errors, sw.Elapsed.TotalSeconds);
            runs.Add(Said(run, log));
        }
        return runs;
    }

    /// <summary>The run's one line (and its errors) in the log.</summary>
    static NotebookRun Said(NotebookRun run, Action<string>? log)
    {
        log?.Invoke(
            $"{run.Name}: {(run.Ok ? "ok" : "FAILED")} — {run.Charts} chart(s), {run.Errors.Count} error(s), "
                + $"{run.Seconds:F0} s → {run.OutputPath}"
        );
        foreach (var e in run.Errors)
            log?.Invoke("  " + e);
        return run;
    }

    /// <summary>Runs a notebook's file-based app and checks its page like an executed notebook: exit code, figures,
    /// no error shown, every figure titled.</summary>
    static NotebookRun RunApp(
        string root,
        string name,
        string executedDir,
        Dictionary<string, string> env,
        Stopwatch sw,
        Action<string>? log,
        string? compareWith
    )
    {
        string page = Path.Combine(Path.GetFullPath(executedDir), name + ".html");
        env[AppPage.OutVariable] = Path.GetFullPath(executedDir);
        string app = Path.Combine(root, "apps", name + ".cs");
        if (!File.Exists(app))
            throw new NotebookToolException($"{app} is missing: run `midigenre apps` to generate the file-based apps");
        File.Delete(page);
        int code = Run(root, "dotnet", ["run", "-c", BuildConfiguration, app], env, 3600, log);
        var (charts, errors) = File.Exists(page) ? InspectPage(page) : (0, (IReadOnlyList<string>)["no page written"]);
        // Against the executed notebook: the same figures and the same numbers.
        string? executed = compareWith is null ? null : Path.Combine(compareWith, name + ".ipynb");
        if (executed != null && File.Exists(page))
            errors = File.Exists(executed)
                ? [.. errors, .. CompareWithNotebook(page, executed).Select(d => "differs from the notebook: " + d)]
                : [.. errors, $"no executed notebook to compare with: {executed}"];
        return Said(new NotebookRun(name, code, page, charts, errors, sw.Elapsed.TotalSeconds), log);
    }

    /// <summary>
    /// What differs between an app's page and the executed notebook it was generated from: the figures (by title, in
    /// order) and the tables (their text, in order; rows that time the run — seconds, segments per second — or name its
    /// output folder are left out, they differ between any two runs). Empty when both show the same figures and the
    /// same numbers.
    /// </summary>
    public static IReadOnlyList<string> CompareWithNotebook(string page, string ipynb)
    {
        // Only what the cells showed: the page's markdown (which may hold tables of its own) is not an output.
        string app = System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(page),
            "<section class=\"md\">[\\s\\S]*?</section>",
            ""
        );
        string notebook = string.Join(
            "\n",
            JsonDocument
                .Parse(File.ReadAllText(ipynb))
                .RootElement.GetProperty("cells")
                .EnumerateArray()
                .Where(c => c.TryGetProperty("outputs", out _))
                .SelectMany(c => c.GetProperty("outputs").EnumerateArray())
                .Where(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("text/html", out _))
                .Select(o => Join(o.GetProperty("data").GetProperty("text/html")))
        );
        var differences = new List<string>();
        void Compare(string what, IReadOnlyList<string> inApp, IReadOnlyList<string> inNotebook)
        {
            if (inApp.Count != inNotebook.Count)
                differences.Add($"{what}: {inApp.Count} in the app, {inNotebook.Count} in the notebook");
            foreach (var (a, n) in inApp.Zip(inNotebook).Where(p => p.First != p.Second).Take(3))
                differences.Add($"{what}: app \"{Clip(a)}\" vs notebook \"{Clip(n)}\"");
        }
        Compare("figures", Titles(app), Titles(notebook));
        Compare("tables", TableTexts(app), TableTexts(notebook));
        return differences;
    }

    static readonly System.Text.RegularExpressions.Regex FigureTitle = new(
        "class=\"midigenre-figure\"[^>]*><img alt=\"([^\"]*)\""
    );
    static readonly System.Text.RegularExpressions.Regex TableBlock = new(
        "<table[\\s\\S]*?</table>",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase
    );
    static readonly System.Text.RegularExpressions.Regex Tag = new("<[^>]+>");

    // Rows that differ between any two runs by design: timings, and where this run writes (its output folder).
    static readonly System.Text.RegularExpressions.Regex Timing = new(
        @"\b(seconds?|s/segment|seg(ments)?/s|[0-9.]+ ?s)\b|output folder"
    );

    static List<string> Titles(string html) =>
        [.. FigureTitle.Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    static List<string> TableTexts(string html) =>
        [
            .. TableBlock
                .Matches(html)
                .Select(m =>
                    string.Join(
                        " | ",
                        m.Value.Split("</tr>")
                            .Select(row => System.Net.WebUtility.HtmlDecode(Tag.Replace(row, " ")).Trim())
                            .Where(row => row.Length > 0 && !Timing.IsMatch(row))
                    )
                ),
        ];

    static string Clip(string s) => s.Length <= 160 ? s : s[..160] + "…";

    /// <summary>Figures and errors of a page a file-based app wrote.</summary>
    public static (int Charts, IReadOnlyList<string> Errors) InspectPage(string html)
    {
        string text = File.ReadAllText(html);
        int charts = System.Text.RegularExpressions.Regex.Matches(text, "class=\"midigenre-figure\"").Count;
        var errors = System
            .Text.RegularExpressions.Regex.Matches(text, "<pre class=\"error\">([^<]*)</pre>")
            .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))
            .Concat(FigureProblems(text))
            .ToList();
        return (charts, errors);
    }

    /// <summary>Jupyter's executor with the .NET Interactive kernel spec written into a folder of this run (found
    /// through JUPYTER_PATH, so nothing of the user's Jupyter setup is changed); returns that folder. Fails before any
    /// work, saying what to install, when `jupyter nbconvert` is missing.</summary>
    static string PrepareJupyter(string executedDir)
    {
        if (Run(executedDir, "jupyter", ["nbconvert", "--version"], new(), 60, null) != 0)
            throw new NotebookToolException(
                "`jupyter nbconvert` is not available: install Jupyter (Debian: apt-get install jupyter-nbconvert "
                    + "python3-nbclient; elsewhere: pip install nbconvert nbclient) or run the notebooks with "
                    + "--engine repl"
            );
        string data = Path.Combine(Path.GetFullPath(executedDir), ".jupyter");
        JupyterKernel.Install(Path.Combine(data, "kernels"));
        return data;
    }

    /// <summary>The configuration this library was built in (Release, Debug).</summary>
    public static string BuildConfiguration =>
        typeof(NotebookRunner)
            .Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>()
            .FirstOrDefault()
            ?.Configuration
        ?? "Release";

    /// <summary>
    /// The notebook to execute. The notebooks load <c>lib/MidiGenre/bin/Release/…</c> (what README builds); when this
    /// library was built in another configuration (a Debug test run), a copy pointing at that build is executed, so
    /// the notebooks run against the code under test rather than a stale or missing Release build.
    /// </summary>
    static string InputFor(string root, string name, string executedDir)
    {
        string original = Path.Combine(root, "notebooks", name + ".ipynb");
        string configuration = BuildConfiguration;
        if (configuration == "Release")
            return original;
        string copy = Path.Combine(Path.GetFullPath(executedDir), name + ".input.ipynb");
        File.WriteAllText(
            copy,
            File.ReadAllText(original)
                .Replace("/bin/Release/net10.0/MidiGenre.dll", $"/bin/{configuration}/net10.0/MidiGenre.dll")
        );
        return copy;
    }

    /// <summary>Counts Plotly charts and collects error outputs of an executed notebook.</summary>
    public static (int Charts, IReadOnlyList<string> Errors) Inspect(string ipynb)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        int charts = 0;
        var errors = new List<string>();
        // Jupyter's validator refuses an nbformat 4.5 notebook whose cells have no id: both engines must write one.
        var root = doc.RootElement;
        bool v45 =
            root.TryGetProperty("nbformat", out var major)
            && major.GetInt32() == 4
            && root.TryGetProperty("nbformat_minor", out var minor)
            && minor.GetInt32() >= 5;
        if (!v45)
            errors.Add("not nbformat 4.5");
        else if (root.GetProperty("cells").EnumerateArray().Any(c => !c.TryGetProperty("id", out _)))
            errors.Add("nbformat 4.5 with a cell that has no id");
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (!cell.TryGetProperty("outputs", out var outputs))
                continue;
            foreach (var o in outputs.EnumerateArray())
            {
                string type = o.GetProperty("output_type").GetString() ?? "";
                if (type == "error")
                    errors.Add(o.TryGetProperty("evalue", out var ev) ? ev.GetString() ?? "error" : "error");
                if (o.TryGetProperty("name", out var stream) && stream.GetString() == "stderr")
                    errors.Add("stderr: " + Text(o, "text"));
                if (
                    o.TryGetProperty("data", out var data)
                    && data.TryGetProperty("text/html", out var html)
                    && Join(html).Contains("Plotly.newPlot")
                )
                {
                    charts++;
                    errors.AddRange(FigureProblems(Join(html)));
                }
            }
        }
        return (charts, errors);
    }

    /// <summary>What a figure lacks: a title, or a title on any axis it draws (every figure must explain
    /// itself).</summary>
    public static IEnumerable<string> FigureProblems(string html)
    {
        int a = html.IndexOf("var f=", StringComparison.Ordinal),
            b = html.IndexOf(";var t=0;", StringComparison.Ordinal);
        if (a < 0 || b < a)
        {
            yield return "figure without its JSON";
            yield break;
        }
        using var fig = JsonDocument.Parse(html[(a + 6)..b]);
        var layout = fig.RootElement.GetProperty("layout");
        string Title(JsonElement e) =>
            e.TryGetProperty("title", out var t)
                ? t.ValueKind == JsonValueKind.String
                    ? t.GetString() ?? ""
                    : t.TryGetProperty("text", out var x)
                        ? x.GetString() ?? ""
                        : ""
                : "";
        string title = Title(layout);
        if (title.Length == 0)
        {
            yield return "figure without a title";
            yield break;
        }
        foreach (
            var axis in layout.EnumerateObject().Where(p => p.Name.StartsWith("xaxis") || p.Name.StartsWith("yaxis"))
        )
            if (Title(axis.Value).Length == 0)
                yield return $"figure '{title}': {axis.Name} has no title";
    }

    static string Join(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array
            ? string.Concat(e.EnumerateArray().Select(x => x.GetString()))
            : e.GetString() ?? "";

    static string Text(JsonElement o, string prop) => o.TryGetProperty(prop, out var t) ? Join(t) : "";

    static int Run(
        string dir,
        string exe,
        string[] args,
        Dictionary<string, string> env,
        int timeoutSeconds,
        Action<string>? log
    )
    {
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e) // not installed
        {
            log?.Invoke($"{exe}: {e.Message}");
            return 127;
        }
        using var _ = p;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            log?.Invoke($"{exe} {string.Join(' ', args)} timed out");
            return 124;
        }
        if (p.ExitCode != 0)
            log?.Invoke(
                (stdout.Result + stderr.Result).Trim() is { Length: > 0 } msg
                    ? msg[^Math.Min(2000, msg.Length)..]
                    : $"exit {p.ExitCode}"
            );
        return p.ExitCode;
    }
}

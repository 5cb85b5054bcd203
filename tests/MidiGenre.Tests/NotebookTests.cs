using MidiGenre.Notebooks;

namespace MidiGenre.Tests;

/// <summary>All six notebooks run headlessly in order with the smoke profile on a folder-per-class corpus: no error
/// output, at least one chart each.
/// Executed copies stay in artifacts/notebooks/ for inspection.</summary>
public class NotebookTests
{
    [Fact]
    public void The_jupyter_kernel_is_pinned_with_the_project_and_registered_on_the_loopback_interface()
    {
        // Polyglot Notebooks is retired: Jupyter runs the notebooks with the .NET Interactive tool the manifest pins.
        string root = NotebookRunner.FindRepositoryRoot();
        using var manifest = System.Text.Json.JsonDocument.Parse(
            File.ReadAllText(Path.Combine(root, ".config", "dotnet-tools.json"))
        );
        var tool = manifest.RootElement.GetProperty("tools").GetProperty("microsoft.dotnet-interactive");
        Assert.Equal("1.0.712001", tool.GetProperty("version").GetString());
        string dir = Directory.CreateTempSubdirectory("midigenre-kernel").FullName;
        var (code, stdout, stderr) = CliTests.Run("kernel", "--path", dir);
        Assert.True(code == 0, stderr);
        string file = Path.Combine(dir, JupyterKernel.Name, "kernel.json");
        Assert.Contains(file, stdout);
        using var spec = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var argv = spec.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(["dotnet", "dotnet-interactive", "jupyter"], argv.Take(3));
        Assert.Contains("--http-local-only", argv); // the kernel opens HTTP ports: never on every interface
        Assert.Contains("{connection_file}", argv);
        // The notebooks ask for this kernel by name, so Jupyter opens them with it.
        using var nb = System.Text.Json.JsonDocument.Parse(
            File.ReadAllText(Path.Combine(root, "notebooks", "01-preprocessing.ipynb"))
        );
        Assert.Equal(
            JupyterKernel.Name,
            nb.RootElement.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString()
        );
        Directory.Delete(dir, true);
    }

    [Fact]
    public void All_six_notebooks_execute_with_charts_and_no_errors()
    {
        string root = NotebookRunner.FindRepositoryRoot();
        string config = NotebookRunner.BuildConfiguration;
        string lib = Path.Combine(root, "lib", "MidiGenre", "bin", config, "net10.0", "MidiGenre.dll");
        Assert.True(File.Exists(lib), $"{lib} is missing: the notebooks load the library of the build under test");
        string executed = Path.Combine(root, "artifacts", "notebooks");
        string tmp = Path.Combine(Path.GetTempPath(), "midigenre-notebooks-" + Guid.NewGuid().ToString("N")[..8]);
        string study = Path.Combine(tmp, "study");
        // A folder-per-class corpus with labels that are not composers: the kind of collection users bring. (The
        // README's `midigenre notebooks` runs them on the embedded synthetic catalog.)
        string corpus = GenreFolders(tmp);
        var log = new List<string>();
        var runs = NotebookRunner.RunAll(root, "smoke", executed, study, log: log.Add, corpus: corpus);
        Assert.Equal(NotebookRunner.Order, runs.Select(r => r.Name));
        foreach (var r in runs)
        {
            Assert.True(r.ExitCode == 0, $"{r.Name} exited {r.ExitCode}:\n{string.Join('\n', log)}");
            Assert.True(r.Errors.Count == 0, $"{r.Name}: {string.Join(" | ", r.Errors)}");
            Assert.True(r.Charts > 0, $"{r.Name} produced no chart");
        }
        Assert.True(File.Exists(Path.Combine(study, "report.json")));
        // The training progress line reached the last batch of the last epoch (headless: one line per epoch).
        string training = File.ReadAllText(runs.Single(r => r.Name == "02-training").OutputPath);
        Assert.Matches(@"training: epoch (\d+)/\1, batch (\d+)/\2 — loss", training);
        // plotly.js travels once per notebook, compressed, and each chart's static PNG is ~30–100 KB: the six executed
        // notebooks stay small enough to commit and to open on a code host.
        long bytes = runs.Sum(r => new FileInfo(r.OutputPath).Length);
        Assert.True(bytes <= 16_000_000, $"executed notebooks weigh {bytes / 1e6:F1} MB (goal ≤ 16 MB)");
        // The executed copies are nbformat 4.5 too: every cell keeps its source's id, code cells are numbered in order.
        foreach (var r in runs)
        {
            using var executedDoc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(r.OutputPath));
            using var sourceDoc = System.Text.Json.JsonDocument.Parse(
                File.ReadAllText(Path.Combine(root, "notebooks", r.Name + ".ipynb"))
            );
            Assert.Equal(5, executedDoc.RootElement.GetProperty("nbformat_minor").GetInt32());
            AssertNbformat45(r.Name, executedDoc.RootElement);
            var ids = sourceDoc.RootElement.GetProperty("cells").EnumerateArray().Select(c => c.GetProperty("id"));
            var cells = executedDoc.RootElement.GetProperty("cells").EnumerateArray().ToList();
            Assert.Equal(ids.Select(i => i.GetString()), cells.Select(c => c.GetProperty("id").GetString()));
            var counts = cells
                .Where(c => c.GetProperty("cell_type").GetString() == "code")
                .Select(c => c.GetProperty("execution_count").GetInt32());
            Assert.Equal(Enumerable.Range(1, counts.Count()), counts);
        }
        // What a class would stumble on: a record dumped as text ("StudyParameters { Profile = …"), or two quantities
        // sharing one chart on two y axes (side-by-side panels instead).
        foreach (var r in runs)
        {
            string outputs = Outputs(r.OutputPath);
            Assert.DoesNotMatch(@"\w+ \{ \w+ = ", outputs);
            Assert.DoesNotContain("\"overlaying\"", outputs);
            foreach (var figure in Figures(outputs))
                FigureReadsRight(r.Name, figure);
            // A static image in every chart's place, what a viewer without JavaScript shows (a PNG: its signature).
            int charts = System.Text.RegularExpressions.Regex.Matches(outputs, "class=\"midigenre-figure\"").Count;
            int images = System
                .Text.RegularExpressions.Regex.Matches(
                    outputs,
                    "class=\"midigenre-figure\"[^>]*><img alt=\"[^\"]*\" [^>]*src=\"data:image/png;base64,iVBORw0KGgo"
                )
                .Count;
            Assert.True(charts > 0 && images == charts, $"{r.Name}: {images} static images for {charts} charts");
        }
        // Every cell has an id (nbformat 4.5), so Jupyter's validator accepts the committed notebooks.
        foreach (var nb in Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb"))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(nb));
            Assert.All(
                doc.RootElement.GetProperty("cells").EnumerateArray(),
                c => Assert.True(c.TryGetProperty("id", out _), $"{nb}: a cell without id")
            );
        }
    }

    /// <summary>What nbformat 4.5 requires of a notebook (Jupyter's schema, restated): the four top-level keys and no
    /// others; each cell exactly the keys of its type, with an id of 1–64 letters, digits, '-' or '_' (unique here); a
    /// code cell's execution count an integer or null; each output the keys of its output type and no others.</summary>
    static void AssertNbformat45(string name, System.Text.Json.JsonElement nb)
    {
        static string[] Keys(System.Text.Json.JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order()];
        Assert.Equal(["cells", "metadata", "nbformat", "nbformat_minor"], Keys(nb));
        Assert.Equal(4, nb.GetProperty("nbformat").GetInt32());
        var ids = new HashSet<string>();
        foreach (var cell in nb.GetProperty("cells").EnumerateArray())
        {
            string id = cell.GetProperty("id").GetString()!;
            Assert.Matches("^[a-zA-Z0-9-_]{1,64}$", id);
            Assert.True(ids.Add(id), $"{name}: cell id {id} twice");
            string type = cell.GetProperty("cell_type").GetString()!;
            string[] allowed = type switch
            {
                "code" => ["cell_type", "execution_count", "id", "metadata", "outputs", "source"],
                "markdown" or "raw" => ["attachments", "cell_type", "id", "metadata", "source"],
                _ => throw new Xunit.Sdk.XunitException($"{name}: cell {id} has type {type}"),
            };
            string[] required = type == "code" ? allowed : ["cell_type", "id", "metadata", "source"];
            var keys = Keys(cell);
            Assert.True(
                required.All(keys.Contains) && keys.All(allowed.Contains),
                $"{name}, cell {id}: keys {string.Join(", ", keys)}"
            );
            if (type != "code")
                continue;
            var count = cell.GetProperty("execution_count");
            Assert.True(
                count.ValueKind is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.Null
            );
            foreach (var output in cell.GetProperty("outputs").EnumerateArray())
            {
                string kind = output.GetProperty("output_type").GetString()!;
                string[] expected = kind switch
                {
                    "display_data" => ["data", "metadata", "output_type"],
                    "execute_result" => ["data", "execution_count", "metadata", "output_type"],
                    "stream" => ["name", "output_type", "text"],
                    "error" => ["ename", "evalue", "output_type", "traceback"],
                    _ => throw new Xunit.Sdk.XunitException($"{name}, cell {id}: output type {kind}"),
                };
                Assert.Equal(expected, Keys(output));
            }
        }
    }

    /// <summary>The plotly figures (data + layout) embedded in a notebook's outputs by <c>FigureHtml</c>.</summary>
    static IEnumerable<System.Text.Json.Nodes.JsonObject> Figures(string outputs)
    {
        const string start = "<script>(function(){var f=",
            end = ";var t=0;function draw()";
        for (int i = outputs.IndexOf(start, StringComparison.Ordinal); i >= 0; )
        {
            int from = i + start.Length,
                to = outputs.IndexOf(end, from, StringComparison.Ordinal);
            yield return System.Text.Json.Nodes.JsonNode.Parse(outputs[from..to])!.AsObject();
            i = outputs.IndexOf(start, to, StringComparison.Ordinal);
        }
    }

    /// <summary>What a class reads off a figure must be true of it: a diverging colour scale only where the data have
    /// a sign (an unsigned quantity gets a sequential one), every legend entry a line that can be seen (no two named
    /// lines drawn exactly over each other unless the legend says so), and no two legend entries alike.</summary>
    static void FigureReadsRight(string notebook, System.Text.Json.Nodes.JsonObject figure)
    {
        string title = figure["layout"]?["title"]?["text"]?.ToString() ?? "?";
        var traces = figure["data"]!.AsArray().Select(t => t!.AsObject()).ToList();
        string[] diverging = ["RdBu", "RdYlBu", "Picnic", "Portland", "Jet", "Rainbow"];
        foreach (var t in traces.Where(t => t["colorscale"] != null && t["z"] != null))
        {
            bool signed = t["z"]!
                .AsArray()
                .Any(row =>
                    row is System.Text.Json.Nodes.JsonArray r
                        ? r.Any(v => v != null && v.GetValue<double>() < 0)
                        : row != null && row.GetValue<double>() < 0
                );
            // A difference is signed even when this one only went up: its scale runs from −max to +max.
            signed |= t["zmin"] is System.Text.Json.Nodes.JsonValue zmin && zmin.GetValue<double>() < 0;
            bool isDiverging = diverging.Contains(t["colorscale"]!.ToString());
            Assert.True(signed || !isDiverging, $"{notebook}, '{title}': a diverging scale on unsigned data");
        }
        var named = traces
            .Where(t => t["type"]?.ToString() is null or "scatter" && t["showlegend"]?.GetValue<bool>() != false)
            .ToList();
        var names = named.Select(t => t["name"]?.ToString()).Where(n => n != null).ToList();
        Assert.True(names.Distinct().Count() == names.Count, $"{notebook}, '{title}': two legend entries alike");
        for (int i = 0; i < named.Count; i++)
        for (int j = 0; j < i; j++)
        {
            bool hidden =
                named[i]["xaxis"]?.ToString() == named[j]["xaxis"]?.ToString()
                && named[i]["yaxis"]?.ToString() == named[j]["yaxis"]?.ToString()
                && System.Text.Json.Nodes.JsonNode.DeepEquals(named[i]["x"], named[j]["x"])
                && System.Text.Json.Nodes.JsonNode.DeepEquals(named[i]["y"], named[j]["y"]);
            Assert.True(
                !hidden || named[i]["name"]!.ToString().Contains("(same as"),
                $"{notebook}, '{title}': '{named[i]["name"]}' is drawn exactly over '{named[j]["name"]}'"
            );
        }
    }

    /// <summary>Every output of an executed notebook (text and HTML), one string.</summary>
    static string Outputs(string path)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var parts = new List<string>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
            if (cell.TryGetProperty("outputs", out var outputs))
                foreach (var o in outputs.EnumerateArray())
                {
                    if (o.TryGetProperty("text", out var text))
                        parts.Add(Join(text));
                    if (o.TryGetProperty("data", out var data))
                        foreach (var d in data.EnumerateObject())
                            parts.Add(Join(d.Value));
                }
        return string.Join('\n', parts);
    }

    static string Join(System.Text.Json.JsonElement e) =>
        e.ValueKind == System.Text.Json.JsonValueKind.Array
            ? string.Concat(e.EnumerateArray().Select(x => x.GetString()))
        : e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString()!
        : e.ToString();

    /// <summary>The smoke synthetic corpus re-filed as ROOT/&lt;style&gt;/*.mid, one style per synthetic
    /// composer.</summary>
    static string GenreFolders(string tmp)
    {
        string synthetic = Path.Combine(tmp, "synthetic");
        Data.SyntheticCorpus.EnsureGenerated(synthetic, Data.SyntheticCorpusOptions.Smoke);
        var catalog = Data.Catalog.Load(synthetic);
        string[] styles = ["ballad", "chorale", "etude", "march", "nocturne", "toccata", "waltz", "rag"];
        string root = Path.Combine(tmp, "styles");
        foreach (var e in catalog.Entries)
        {
            string style = styles[catalog.ClassIndex(e) % styles.Length];
            string dest = Path.Combine(root, style, Path.GetFileName(e.MidiFilename));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(catalog.MidiPath(e), dest);
        }
        return root;
    }
}

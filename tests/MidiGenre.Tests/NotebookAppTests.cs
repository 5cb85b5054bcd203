using MidiGenre.Cli.Apps;
using MidiGenre.Cli.Commands;
using MidiGenre.Notebooks;

namespace MidiGenre.Tests;

/// <summary>The notebooks' file-based apps (apps/*.cs): generated from the notebooks, so there is one source, and
/// current. Running them is .ci/run's (`notebooks --engine app`, smoke profile).</summary>
public class NotebookAppTests
{
    [Fact]
    public void The_apps_are_generated_from_the_current_notebooks()
    {
        string root = NotebookRunner.FindRepositoryRoot();
        var stale = AppsCommand.Generate(root, write: false);
        Assert.True(stale.Count == 0, $"out of date: {string.Join(", ", stale)} — run `midigenre apps`");
        foreach (var name in NotebookRunner.Order)
        {
            string app = File.ReadAllText(Path.Combine(root, NotebookApp.Folder, NotebookApp.FileName(name)));
            Assert.Contains("#:project ../lib/MidiGenre/MidiGenre.csproj", app);
            Assert.Contains("#:property UsesTorchSharp=true", app); // the TorchSharp that keeps temporaries alive
            Assert.Contains("#:property JsonSerializerIsReflectionEnabledByDefault=true", app); // checkpoints are JSON
            Assert.DoesNotContain("#r ", app);
            Assert.DoesNotContain("NotebookOutput.Register", app);
        }
    }

    [Fact]
    public void A_cell_shows_its_displays_and_its_trailing_expression_however_many_lines_it_spans()
    {
        string dir = Directory.CreateTempSubdirectory("midigenre-app").FullName;
        string nb = Path.Combine(dir, "07-example.ipynb");
        static object Code(string id, params string[] lines) =>
            new Dictionary<string, object>
            {
                ["cell_type"] = "code",
                ["id"] = id,
                ["metadata"] = new { },
                ["source"] = lines,
                ["outputs"] = Array.Empty<object>(),
            };
        var cells = new object[]
        {
            new Dictionary<string, object>
            {
                ["cell_type"] = "markdown",
                ["id"] = "md",
                ["metadata"] = new { },
                ["source"] = new[] { "# Title\n", "He said \"\"\"quoted\"\"\" twice." },
            },
            Code(
                "setup",
                "#r \"../lib/MidiGenre/bin/Release/net10.0/MidiGenre.dll\"\n",
                "using System.IO; using MidiGenre.Charts;\n",
                "NotebookOutput.Register();   // kernel set-up\n"
            ),
            Code(
                "body",
                "var a = 1;\n",
                "display(a); // shown\n",
                "string.Join(\", \",\n",
                "    new[] { \"x\", \"y\" })"
            ),
        };
        File.WriteAllText(nb, System.Text.Json.JsonSerializer.Serialize(new { cells }));
        string app = NotebookApp.Generate(nb);
        Assert.Contains("using System.IO;\nusing MidiGenre.Charts;\n", app); // usings move to the top
        Assert.True(app.IndexOf("using System.IO;") < app.IndexOf("return AppPage.Run("));
        Assert.DoesNotContain("#r ", app);
        Assert.DoesNotContain("Register()", app);
        Assert.Contains("page.Show(a); // shown", app);
        Assert.Contains("page.Show(string.Join(\", \",\n", app); // the two-line trailing expression, whole
        Assert.Contains(new string('"', 4) + "\n", app); // a raw literal longer than the markdown's own quotes
        Assert.Contains("page.Cell(\"body\");", app);
        Assert.Contains("\"07-example\"", app);
        Directory.Delete(dir, true);
    }
}

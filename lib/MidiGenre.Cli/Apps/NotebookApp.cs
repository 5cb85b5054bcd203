using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MidiGenre.Cli.Apps;

/// <summary>A notebook cell the generator cannot turn into app code (a type or method declared in a cell).</summary>
sealed class NotebookAppException(string message) : Exception(message);

/// <summary>
/// Turns a notebook into the C# file-based app that walks through it without a kernel (<c>dotnet run
/// apps/NN-name.cs</c>): one source, the notebook; the app is generated from it and checked to be current. Each
/// markdown cell becomes <c>page.Text(…)</c>; each code cell's statements run in order inside one lambda (so a cell's
/// variables reach the later cells, as in the notebook); what a cell displays — <c>display(x)</c> and its trailing
/// expression — goes to <c>page.Show(…)</c>, which writes it into the page (<see cref="Notebooks.AppPage"/>).
/// Cells are parsed as C# script by Roslyn, so a trailing expression is found however many lines it spans;
/// <c>#r</c> lines and <c>NotebookOutput.Register()</c> are kernel set-up and are left out (the app references the
/// library project instead).
/// </summary>
static class NotebookApp
{
    public const string Folder = "apps";
    static readonly Regex Display = new(@"(?<![\w.])display\(", RegexOptions.Compiled);
    static readonly CSharpParseOptions Script = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    /// <summary>The app's file name for a notebook ("04-attacks-fgsm-pgd.cs").</summary>
    public static string FileName(string notebook) => Path.GetFileNameWithoutExtension(notebook) + ".cs";

    public static string Generate(string notebookPath)
    {
        string name = Path.GetFileNameWithoutExtension(notebookPath);
        var cells = JsonNode.Parse(File.ReadAllText(notebookPath))!["cells"]!.AsArray();
        var usings = new List<string> { "using MidiGenre.Notebooks;" };
        var body = new StringBuilder();
        foreach (var cell in cells)
        {
            string source = Source(cell!["source"]);
            string id = cell["id"]?.GetValue<string>() ?? "";
            if (cell["cell_type"]?.GetValue<string>() == "markdown")
                body.Append(Markdown(source));
            else if (cell["cell_type"]?.GetValue<string>() == "code" && source.Trim().Length > 0)
                body.Append(Code(name, id, source, usings));
        }
        var file = new StringBuilder();
        file.Append($"// Generated from notebooks/{name}.ipynb by `midigenre apps`: edit the notebook, then run\n")
            .Append("// `midigenre apps` again (CI checks that this file is current).\n")
            .Append($"// Run: dotnet run apps/{name}.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the\n")
            .Append($"// notebooks). It writes artifacts/apps/{name}.html: what the notebook shows, in one page.\n")
            .Append("#:project ../lib/MidiGenre/MidiGenre.csproj\n")
            .Append("#:property UsesTorchSharp=true\n")
            .Append("#:property TreatWarningsAsErrors=false\n")
            // File-based apps default to native AOT, which turns reflection-based JSON off; the library needs it.
            .Append("#:property PublishAot=false\n")
            .Append("#:property JsonSerializerIsReflectionEnabledByDefault=true\n");
        foreach (var u in usings.Distinct())
            file.Append(u).Append('\n');
        file.Append('\n')
            .Append($"return AppPage.Run(\n    \"{name}\",\n    page =>\n    {{\n")
            .Append(body)
            .Append("    }\n);\n");
        return file.ToString();
    }

    static string Source(JsonNode? source) =>
        source is JsonArray lines
            ? string.Concat(lines.Select(l => l!.GetValue<string>()))
            : source?.GetValue<string>() ?? "";

    static string Markdown(string text)
    {
        int run = Regex.Matches(text, "\"+").Select(m => m.Length).DefaultIfEmpty(0).Max();
        string quotes = new('"', Math.Max(3, run + 1));
        var sb = new StringBuilder("        page.Text(\n            ").Append(quotes).Append('\n');
        foreach (var line in text.TrimEnd().Split('\n'))
            sb.Append(line.Length == 0 ? "" : "            " + line).Append('\n');
        return sb.Append("            ").Append(quotes).Append("\n        );\n").ToString();
    }

    static string Code(string notebook, string id, string source, List<string> usings)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(source, Script).GetRoot();
        var errors = root.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
            throw new NotebookAppException($"{notebook}, cell {id}: {errors[0].GetMessage()}");
        usings.AddRange(root.Usings.Select(u => u.WithoutTrivia().ToString()));
        var sb = new StringBuilder($"        page.Cell(\"{id}\");\n");
        foreach (var member in root.Members)
        {
            // A script's top-level `var x = …;` is a field and `T F(…) {…}` a method: as statements of the app's
            // lambda they are a local variable and a local function. Types are refused.
            SyntaxNode statement = member switch
            {
                GlobalStatementSyntax g => g.Statement,
                FieldDeclarationSyntax or MethodDeclarationSyntax => member,
                _ => throw new NotebookAppException(
                    $"{notebook}, cell {id}: declare no types in a cell ({member.Kind()}); put them in the library"
                ),
            };
            string text = statement.ToString();
            if (text.Contains("NotebookOutput.Register", StringComparison.Ordinal))
                continue; // the kernel's formatters: the page renders values itself
            string comments = string.Concat(
                statement
                    .GetLeadingTrivia()
                    .Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia))
                    .Select(t => t + "\n")
            );
            string trailing = string.Concat(
                statement
                    .GetTrailingTrivia()
                    .Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia))
                    .Select(t => " " + t)
            );
            string code = statement is ExpressionStatementSyntax { SemicolonToken.IsMissing: true } shown
                ? $"page.Show({Display.Replace(shown.Expression.ToString(), "page.Show(")});"
                : Display.Replace(text, "page.Show(");
            sb.Append(Indent(comments + code + trailing));
        }
        return sb.ToString();
    }

    static string Indent(string code) =>
        string.Concat(code.TrimEnd().Split('\n').Select(l => (l.Length == 0 ? "" : "        " + l.TrimEnd()) + "\n"));
}

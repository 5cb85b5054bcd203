using System.CommandLine;
using MidiGenre.Notebooks;

namespace MidiGenre.Cli.Commands;

static class NotebooksCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var profile = new Option<string>("--profile")
        {
            Description = "smoke | cpu | paper (default: MIDIGENRE_PROFILE, else cpu)",
        };
        profile.AcceptOnlyFromAmong("smoke", "cpu", "paper");
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for the executed notebooks",
            DefaultValueFactory = _ => Path.Combine("artifacts", "notebooks"),
        };
        var only = new Option<string[]>("--only")
        {
            Description = "Run only these notebooks (e.g. 03-evaluation)",
            AllowMultipleArgumentsPerToken = true,
        };
        var corpus = new Option<string>("--corpus")
        {
            Description =
                "Run the notebooks on this corpus (MAESTRO folder, catalog CSV or a folder per class; default: "
                + "MIDIGENRE_CORPUS, else the embedded synthetic corpus)",
        };
        var label = new Option<string>("--label")
        {
            Description = "Label column of a catalog CSV (default: MIDIGENRE_LABEL, else canonical_composer)",
        };
        only.AcceptOnlyFromAmong([.. NotebookRunner.Order.Select(n => Path.GetFileNameWithoutExtension(n))]);
        var cmd = new Command(
            "notebooks",
            "Execute the six notebooks in order (dotnet-repl, headless); executed copies with charts go to --out, "
                + "results and report.json to OUT/<profile>/"
        )
        {
            profile,
            output,
            only,
            corpus,
            label,
        };
        cmd.SetAction(r =>
        {
            string p =
                r.GetValue(profile)
                ?? (Environment.GetEnvironmentVariable("MIDIGENRE_PROFILE") is { Length: > 0 } e ? e : "cpu");
            string root = NotebookRunner.FindRepositoryRoot(Directory.GetCurrentDirectory());
            string outDir = Path.GetFullPath(r.GetValue(output)!);
            var runs = NotebookRunner.RunAll(
                root,
                p,
                outDir,
                Path.Combine(outDir, p),
                r.GetValue(only) is { Length: > 0 } o ? o : null,
                Console.WriteLine,
                r.GetValue(corpus),
                r.GetValue(label)
            );
            int failed = runs.Count(x => !x.Ok);
            Console.WriteLine(
                failed == 0
                    ? $"all {runs.Count} notebooks ran; report: {Path.Combine(outDir, p, "report.json")}"
                    : $"{failed} notebook(s) failed"
            );
            return failed == 0 ? 0 : 1;
        });
        return cmd;
    }
}

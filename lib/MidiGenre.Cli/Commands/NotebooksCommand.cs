using System.CommandLine;
using MidiGenre.Notebooks;

namespace MidiGenre.Cli.Commands;

static class NotebooksCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var profile = Common.Profile("every notebook");
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
        var engine = new Option<string>("--engine")
        {
            Description =
                "repl: dotnet-repl (default) | jupyter: Jupyter's own executor (jupyter nbconvert --execute) with the "
                + ".NET Interactive kernel, the route that needs no Polyglot Notebooks extension | app: no kernel at "
                + "all, the generated file-based apps (apps/*.cs, `dotnet run`), one HTML page per notebook",
            DefaultValueFactory = _ => "repl",
        };
        engine.AcceptOnlyFromAmong("repl", "jupyter", "app");
        var compare = new Option<string?>("--compare-with")
        {
            Description =
                "With --engine app: a folder of executed notebooks (e.g. artifacts/notebooks); each page must show the "
                + "same figures and tables (numbers included, run times aside) as its notebook",
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
            engine,
            compare,
        };
        cmd.SetAction(r => Common.Guard(() => Execute(r, profile, output, only, corpus, label, engine, compare)));
        return cmd;
    }

    static int Execute(
        ParseResult r,
        Option<string?> profile,
        Option<string> output,
        Option<string[]> only,
        Option<string> corpus,
        Option<string> label,
        Option<string> engine,
        Option<string?> compare
    )
    {
        bool cuda = TorchSharp.torch.cuda.is_available();
        string p = Common.ProfileOf(r, profile).Name;
        string root = NotebookRunner.FindRepositoryRoot(Directory.GetCurrentDirectory());
        string outDir = Path.GetFullPath(r.GetValue(output)!);
        if (cuda)
            SayEstimate(root, p, r.GetValue(corpus), r.GetValue(label));
        var runs = NotebookRunner.RunAll(
            root,
            p,
            outDir,
            Path.Combine(outDir, p),
            r.GetValue(only) is { Length: > 0 } o ? o : null,
            Console.WriteLine,
            r.GetValue(corpus),
            r.GetValue(label),
            r.GetValue(engine) switch
            {
                "jupyter" => NotebookEngine.Jupyter,
                "app" => NotebookEngine.App,
                _ => NotebookEngine.Repl,
            },
            r.GetValue(compare) is string c ? Path.GetFullPath(c) : null
        );
        int failed = runs.Count(x => !x.Ok);
        Console.WriteLine(
            failed == 0
                ? $"all {runs.Count} notebooks ran; report: {Path.Combine(outDir, p, "report.json")}"
                : $"{failed} notebook(s) failed"
        );
        return failed == 0 ? 0 : 1;
    }

    /// <summary>On a GPU, before hours of work: how long the run should take here, from the model's measured speed on
    /// this device (a few `bench model` iterations) and the split's size.</summary>
    static void SayEstimate(string root, string profile, string? corpus, string? label)
    {
        var spec = MidiGenre.Experiments.RunSpec.FromEnvironment(
            root,
            name =>
                name switch
                {
                    "MIDIGENRE_PROFILE" => profile,
                    "MIDIGENRE_CORPUS" when corpus != null => corpus,
                    "MIDIGENRE_LABEL" when label != null => label,
                    _ => Environment.GetEnvironmentVariable(name),
                }
        );
        Console.WriteLine($"profile {profile} on CUDA: measuring the model's speed here (a few seconds)…");
        var speed = MidiGenre.Experiments.Benchmarks.ModelThroughput(
            spec.Training.Arch,
            spec.Training.BatchSize,
            5,
            perSegment: false
        );
        var estimate = MidiGenre.Experiments.RunEstimate.For(
            spec,
            Convert.ToDouble(speed["train_seg_per_s"], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToDouble(speed["pgd10_seg_per_s"], System.Globalization.CultureInfo.InvariantCulture)
        );
        Console.WriteLine($"expected: {estimate}");
    }
}

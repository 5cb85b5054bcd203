using MidiGenre.Attacks;
using MidiGenre.Baselines;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

/// <summary>The three corpus kinds — MAESTRO, any catalog CSV, a folder per class — run the same steps: load and
/// split, baseline, train, evaluate on test, attack. Built from the smoke corpus's MIDI files under other
/// labels.</summary>
[Collection("torch")]
public class CorpusKindTests(SmokeData smoke)
{
    static readonly Dictionary<string, (string Composer, string Genre)> Relabel = new()
    {
        ["Alberti"] = ("Johann Sebastian Bach", "baroque pop"),
        ["Chorale"] = ("Frédéric Chopin", "hymn"),
        ["Arpeggio"] = ("Claude Debussy", "ambient"),
    };

    /// <summary>The smoke corpus's files under other labels, as a corpus of <paramref name="kind"/>; with
    /// <paramref name="corrupt"/>, one more file in class "ambient" that is not MIDI.</summary>
    string Build(CorpusKind kind, string folder = "kinds", bool corrupt = false)
    {
        var source = smoke.Data.Catalog;
        string root = Path.Combine(smoke.Root, folder, kind.ToString());
        if (Directory.Exists(root))
            return Target(root, kind);
        var rows = new List<string>
        {
            kind == CorpusKind.Maestro
                ? "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration"
                : "midi_filename,genre,canonical_title",
        };
        foreach (var e in source.Entries.Where(e => Relabel.ContainsKey(e.Label)))
        {
            var (composer, genre) = Relabel[e.Label];
            string rel =
                kind == CorpusKind.Folders ? Path.Combine(genre, Path.GetFileName(e.MidiFilename)) : e.MidiFilename;
            string dest = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(source.MidiPath(e), dest);
            rows.Add(
                kind == CorpusKind.Maestro
                    ? $"{composer},\"{e.Title}\",{e.Split},{e.Year},{rel},x.wav,"
                        + $"{e.Duration.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                    : $"{rel},{genre},\"{e.Title}\""
            );
        }
        if (corrupt)
        {
            string rel = kind == CorpusKind.Folders ? "ambient/broken.mid" : "broken.mid";
            File.WriteAllBytes(Path.Combine(root, rel), "MThd, but not really a MIDI file"u8.ToArray());
            rows.Add(
                kind == CorpusKind.Maestro
                    ? $"Claude Debussy,Broken,train,2004,{rel},x.wav,60"
                    : $"{rel},ambient,Broken"
            );
        }
        if (kind != CorpusKind.Folders)
            File.WriteAllText(
                Path.Combine(root, kind == CorpusKind.Maestro ? "maestro-v2.0.0.csv" : "songs.csv"),
                string.Join('\n', rows) + "\n"
            );
        return Target(root, kind);
    }

    static string Target(string root, CorpusKind kind) =>
        kind == CorpusKind.Catalog ? Path.Combine(root, "songs.csv") : root;

    [Theory]
    [InlineData(CorpusKind.Maestro, "Bach,Chopin,Debussy")]
    [InlineData(CorpusKind.Catalog, "ambient,baroque pop,hymn")]
    [InlineData(CorpusKind.Folders, "ambient,baroque pop,hymn")]
    public void Each_corpus_kind_loads_splits_trains_evaluates_and_is_attacked(CorpusKind kind, string classes)
    {
        string corpus = Build(kind);
        Assert.Equal(kind, Catalog.KindOf(corpus));
        var source = new DataSource(Path.Combine(smoke.Root, "kinds-data"), corpus)
        {
            LabelColumn = kind == CorpusKind.Maestro ? "canonical_composer" : "genre",
        };
        var data = ExperimentData.Load(source, new SegmentSpec(2), seed: 1);
        Assert.Equal(classes.Split(','), kind == CorpusKind.Maestro ? data.Classes.Order() : data.Classes);
        Assert.Equal(kind == CorpusKind.Maestro ? SplitMode.Catalog : SplitMode.Stratified, data.Split.Mode);
        Assert.All(data.Classes.Select((_, c) => c), c => Assert.Contains(data.Test.Pieces, p => p.Label == c));

        var baseline = new HistogramBaseline(BaselineFeatures.Scalars, 1).Figures(
            data.Train,
            data.Validation,
            data.Test,
            data.Classes
        );
        Assert.InRange(baseline.PerformanceAccuracy, 0, 1);
        var settings = TrainSettings.ForProfile("smoke") with { Epochs = 1, SegmentsPerPiece = 2, Threads = 2 };
        var (model, meta) = new Trainer(settings, data.Classes, Path.Combine(smoke.Root, "kinds-run", kind.ToString()))
        {
            Device = CPU,
            Source = source,
        }.Run(data.Train, data.Validation);
        Assert.Equal(corpus, meta.Source!.Corpus);
        var result = Evaluator.Evaluate(model, data.Test, data.Classes);
        Assert.Equal(data.Test.Pieces.Count, result.Performance.Total);
        var attack = AttackEvaluator.Run(model, data.Test, data.Classes, AttackFactory.Create("fgsm", 0.05));
        Assert.Equal(data.Test.Count, attack.Segments);
        Assert.InRange(attack.SegmentRobustAccuracy, 0, 1);
    }

    [Theory]
    [InlineData(CorpusKind.Maestro, "canonical_composer")]
    [InlineData(CorpusKind.Catalog, "genre")]
    [InlineData(CorpusKind.Folders, "genre")]
    public void The_pipeline_command_runs_on_each_corpus_kind_and_lists_what_failed_to_encode(
        CorpusKind kind,
        string label
    )
    {
        string corpus = Build(kind, "kinds-pipeline", corrupt: true);
        string outDir = Path.Combine(smoke.Root, "kinds-pipeline-run", kind.ToString());
        var run = CliTests.Run(
            "pipeline",
            "--profile",
            "smoke",
            "--corpus",
            corpus,
            "--label",
            label,
            "--data",
            Path.Combine(smoke.Root, "kinds-pipeline-data"),
            "--out",
            outDir,
            "--eps",
            "0,0.05",
            "--seed",
            "1"
        );
        Assert.True(run.Code == 0, run.Err);
        var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        var root = report.RootElement;
        // MAESTRO classes are the paper's short composer names.
        string[] expected =
            kind == CorpusKind.Maestro
                ? ["Bach", "Chopin", "Debussy"]
                : [.. Relabel.Values.Select(v => v.Genre).Order(StringComparer.Ordinal)];
        Assert.Equal(
            expected,
            root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).Order(StringComparer.Ordinal)
        );
        Assert.True(root.GetProperty("test_performances").GetInt32() >= 3);
        Assert.InRange(root.GetProperty("clean").GetProperty("performance_accuracy").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("baseline").GetProperty("performance_accuracy").GetDouble(), 0, 1);
        // The corrupt file is counted, listed in the run folder with its error, and named in a warning.
        Assert.Equal(1, root.GetProperty("encode_failures").GetInt32());
        string failures = File.ReadAllText(Path.Combine(outDir, ExperimentData.FailuresFile));
        Assert.Contains("broken.mid", failures);
        Assert.Contains("failed", failures);
        Assert.Contains("failed to encode", run.Out + run.Err);
    }
}

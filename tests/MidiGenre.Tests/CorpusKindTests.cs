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

    string Build(CorpusKind kind)
    {
        var source = smoke.Data.Catalog;
        string root = Path.Combine(smoke.Root, "kinds", kind.ToString());
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
        Assert.InRange(baseline.PieceAccuracy, 0, 1);
        var settings = TrainSettings.ForProfile("smoke") with { Epochs = 1, SegmentsPerPiece = 2, Threads = 2 };
        var (model, meta) = new Trainer(settings, data.Classes, Path.Combine(smoke.Root, "kinds-run", kind.ToString()))
        {
            Device = CPU,
            Source = source,
        }.Run(data.Train, data.Validation);
        Assert.Equal(corpus, meta.Source!.Corpus);
        var result = Evaluator.Evaluate(model, data.Test, data.Classes);
        Assert.Equal(data.Test.Pieces.Count, result.Piece.Total);
        var attack = AttackEvaluator.Run(model, data.Test, data.Classes, AttackFactory.Create("fgsm", 0.05));
        Assert.Equal(data.Test.Count, attack.Segments);
        Assert.InRange(attack.SegmentRobustAccuracy, 0, 1);
    }
}

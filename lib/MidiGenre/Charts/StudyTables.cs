using Microsoft.Data.Analysis;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using MidiGenre.Experiments;

namespace MidiGenre.Charts;

/// <summary>
/// The tables the notebooks show, built as DataFrames: units in the column names, fractions as percentages, and a
/// title that says what and on which split — so a notebook cell is one call, not a dictionary literal.
/// </summary>
public static class StudyTables
{
    public static Table Catalog(ExperimentData data) =>
        Tables.Of(
            data.Catalog.Summary(),
            $"{data.Classes.Count} classes in {data.Source.Name}: pieces, performances and recorded hours"
        );

    /// <summary>Pieces per class in each part of the split (performances of one piece never straddle two).</summary>
    public static Table Split(ExperimentData data)
    {
        var parts = new[] { data.Split.Train, data.Split.Validation, data.Split.Test };
        int Pieces(IReadOnlyList<CatalogEntry> part, string c) =>
            part.Where(e => e.Label == c).Select(e => e.PieceKey).Distinct().Count();
        var df = new DataFrame(
            new StringDataFrameColumn("class", data.Classes),
            Ints("train pieces", data.Classes.Select(c => Pieces(parts[0], c))),
            Ints("validation pieces", data.Classes.Select(c => Pieces(parts[1], c))),
            Ints("test pieces", data.Classes.Select(c => Pieces(parts[2], c))),
            new StringDataFrameColumn(
                "performances (train / validation / test)",
                data.Classes.Select(c => string.Join(" / ", parts.Select(p => p.Count(e => e.Label == c))))
            )
        );
        return Tables.Of(df, $"Train / validation / test split ({data.Split.Mode}, grouped by piece)");
    }

    /// <summary>The first notes of a MIDI file as the reader gives them (seconds) and as the encoder places them
    /// (onset bin and length in 0.05 s bins: the cells they fill in the roll), in order of onset.</summary>
    public static Table Notes(Midi.MidiScore score, string title, int count = 12)
    {
        var notes = score.Notes.OrderBy(n => n.OnTime).ThenBy(n => n.Pitch).Take(count).ToList();
        var spans = notes.Select(n => Encoding.PianoRollEncoder.SpanOf(score, n)).ToList();
        var df = new DataFrame(
            new StringDataFrameColumn("note", notes.Select(n => Figures.NoteName(n.Pitch))),
            Ints("MIDI pitch", notes.Select(n => n.Pitch)),
            new PrimitiveDataFrameColumn<double>(
                "onset (s)",
                notes.Select(n => Math.Round(score.Seconds(n.OnTime), 3))
            ),
            new PrimitiveDataFrameColumn<double>(
                "offset (s)",
                notes.Select(n => Math.Round(score.Seconds(n.OffTime), 3))
            ),
            Ints("velocity (0–127)", notes.Select(n => n.Velocity)),
            Ints("onset bin (0.05 s)", spans.Select(s => s.Bin)),
            Ints("length (bins)", spans.Select(s => s.Length))
        );
        return Tables.Of(df, title);
    }

    /// <summary>What a notebook run uses, one parameter per row; paths inside the repository are shown relative to
    /// it, so a page shows no one's home folder.</summary>
    public static Table Parameters(StudyParameters p)
    {
        var rows = new (string, string)[]
        {
            ("profile", p.Profile),
            ("corpus", $"{p.Corpus} ({Shown(p.CorpusPath)})"),
            ("label column", p.LabelColumn),
            ("figures reported on", $"the {p.ReportedSplit} split"),
            ("checkpoint used", p.Checkpoint),
            ("seed", p.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("adversarial training", p.Defense),
            ("attack sweep", p.Attacks),
            ("output folder", Shown(p.OutputFolder)),
            ("device", p.Device),
        };
        var df = new DataFrame(
            new StringDataFrameColumn("parameter", rows.Select(r => r.Item1)),
            new StringDataFrameColumn("value", rows.Select(r => r.Item2))
        );
        return Tables.Of(df, "Parameters of this run (MIDIGENRE_* environment variables; defaults otherwise)");
    }

    static string Shown(string path)
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MidiGenre.sln")))
                return Path.GetFullPath(path)
                    .StartsWith(dir.FullName + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    ? Path.GetRelativePath(dir.FullName, path)
                    : path;
        return path;
    }

    public static Table Setup(Study study, long parameters)
    {
        var s = study.Settings;
        var df = Pairs(
            ("architecture", s.Arch),
            ("parameters", parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)),
            ("optimizer", s.Optimizer),
            ("epochs", s.Epochs.ToString()),
            ("batch (segments)", s.BatchSize.ToString()),
            ("segments per performance", s.SegmentsPerPiece.ToString()),
            ("training segments", study.Data.Train.Count.ToString())
        );
        return Tables.Of(df, $"Training setup ({study.Profile} profile)");
    }

    /// <summary>The files of a run folder (TensorBoard events left out) and their sizes.</summary>
    public static Table RunFolder(Study study, string runDir)
    {
        var files = Directory
            .GetFiles(runDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("tensorboard"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var df = new DataFrame(
            new StringDataFrameColumn("file", files.Select(f => Path.GetRelativePath(study.OutDir, f))),
            new PrimitiveDataFrameColumn<double>(
                "size (KiB)",
                files.Select(f => Math.Round(new FileInfo(f).Length / 1024.0, 1))
            )
        );
        return Tables.Of(df, $"Run folder {Path.GetRelativePath(study.OutDir, runDir)}/");
    }

    public static Table PerClass(ClassificationMetrics m, string title)
    {
        var classes = Enumerable.Range(0, m.Classes.Count).ToList();
        var df = new DataFrame(
            new StringDataFrameColumn("class", m.Classes),
            Percent("precision (%)", classes.Select(m.Precision)),
            Percent("recall (%)", classes.Select(m.Recall)),
            Percent("F1 (%)", classes.Select(m.F1)),
            Ints("support (performances)", classes.Select(m.Support))
        );
        return Tables.Of(df, title);
    }

    public static Table Prediction(
        IReadOnlyList<(string Class, double Probability, double VoteShare)> prediction,
        string file,
        string truth
    )
    {
        var df = new DataFrame(
            new StringDataFrameColumn("class", prediction.Select(p => p.Class)),
            Percent("share of segment votes (%)", prediction.Select(p => p.VoteShare)),
            Percent("mean probability (%)", prediction.Select(p => p.Probability))
        );
        return Tables.Of(df, $"Prediction for {Path.GetFileName(file)} (truth: {truth}; a test-split performance)");
    }

    /// <summary>The paper's figure beside this run's (performance-level weighted F1 on the test split).</summary>
    public static Table PaperVsRun(Study study, EvaluationResult result)
    {
        var df = new DataFrame(
            new StringDataFrameColumn("source", ["Kim et al. 2020", "this run"]),
            new StringDataFrameColumn(
                "dataset",
                ["MAESTRO v2.0.0, 13 composers", $"{study.Source.Name}, {study.Data.Classes.Count} classes"]
            ),
            new StringDataFrameColumn("model", ["ResNet-50", study.Settings.Arch]),
            new StringDataFrameColumn("split", ["test (paper's)", "test"]),
            Percent("performance weighted F1 (%)", [0.8333, result.Performance.WeightedF1])
        );
        return Tables.Of(df, "Paper vs this run");
    }

    public static Table Sweep(IReadOnlyList<AttackResult> sweep)
    {
        var df = new DataFrame(
            new StringDataFrameColumn("attack", sweep.Select(r => r.Attack)),
            new PrimitiveDataFrameColumn<double>("ε (normalised velocity)", sweep.Select(r => r.Eps ?? double.NaN)),
            Percent("segment robust accuracy (%)", sweep.Select(r => r.SegmentRobustAccuracy)),
            Percent("performance robust accuracy, by vote (%)", sweep.Select(r => r.PerformanceRobustAccuracy)),
            Percent("success (%)", sweep.Select(r => r.SuccessRate)),
            Percent("success as MIDI (%)", sweep.Select(r => r.RealizedSuccessRate)),
            Round("mean |Δv| (velocity units)", sweep.Select(r => r.Size.MeanAbsVelocityChange))
        );
        return Tables.Of(df, "Robustness sweep (test split; success = correct segments the attack misclassifies)");
    }

    public static Table Attacks(IReadOnlyList<AttackResult> results, string title)
    {
        var df = new DataFrame(
            new StringDataFrameColumn("attack", results.Select(r => r.Attack)),
            new StringDataFrameColumn("budget", results.Select(r => $"{r.Budget} ({r.BudgetUnit})")),
            Percent("segment robust accuracy (%)", results.Select(r => r.SegmentRobustAccuracy)),
            Percent("performance robust accuracy, by vote (%)", results.Select(r => r.PerformanceRobustAccuracy)),
            Percent("success (%)", results.Select(r => r.SuccessRate)),
            Percent("success as MIDI (%)", results.Select(r => r.RealizedSuccessRate)),
            Round("notes added per segment", results.Select(r => r.Size.NotesAdded)),
            Round("notes removed per segment", results.Select(r => r.Size.NotesRemoved)),
            Round("mean |Δv| (velocity units)", results.Select(r => r.Size.MeanAbsVelocityChange))
        );
        return Tables.Of(df, title);
    }

    /// <summary>The network layer by layer (<see cref="Models.NetworkSummary"/>): kernels and strides over time ×
    /// pitch, output shape for one segment, parameters, and the receptive field in bins × pitches.</summary>
    public static Table Network(TorchSharp.torch.nn.Module model, long channels, string arch)
    {
        var rows = Models.NetworkSummary.Of(model, channels);
        long total = model.parameters().Sum(p => p.numel());
        var last = rows.LastOrDefault();
        var df = new DataFrame(
            new StringDataFrameColumn("layer", rows.Select(r => r.Name)),
            new StringDataFrameColumn("kind", rows.Select(r => r.Kind)),
            new StringDataFrameColumn("kernel (time × pitch)", rows.Select(r => r.Kernel)),
            new StringDataFrameColumn("stride (time × pitch)", rows.Select(r => r.Stride)),
            new StringDataFrameColumn("output (channels × time × pitch)", rows.Select(r => r.Output)),
            new PrimitiveDataFrameColumn<long>("parameters", rows.Select(r => r.Parameters)),
            new StringDataFrameColumn(
                "receptive field (bins × pitches)",
                rows.Select(r => $"{r.ReceptiveTime} × {r.ReceptivePitch}")
            )
        );
        string field = last is null
            ? ""
            : $"; each feature of the last convolution sees at most "
                + $"{Math.Min(last.ReceptiveTime, 400) * Encoding.PianoRoll.BinSeconds:0.##} s × "
                + $"{Math.Min(last.ReceptivePitch, 128)} pitches of the 20-s × 128-pitch segment";
        return Tables.Of(df, $"The network ({arch}): {total:N0} parameters (batch norm included in the total){field}");
    }

    /// <summary>The sweep's sanity checks: what each expects, whether it held, and the figures it rests on.</summary>
    public static Table Sanity(IReadOnlyList<SanityCheck> checks)
    {
        var df = new DataFrame(
            new StringDataFrameColumn("check", checks.Select(c => c.Check)),
            new StringDataFrameColumn("result", checks.Select(c => c.Passed ? "passed" : "FAILED")),
            new StringDataFrameColumn("measured (test split)", checks.Select(c => c.Measured))
        );
        int failed = checks.Count(c => !c.Passed);
        return Tables.Of(
            df,
            failed == 0
                ? $"Sanity checks of the sweep: all {checks.Count} passed"
                : $"Sanity checks of the sweep: {failed} of {checks.Count} FAILED — the attack, not the model, is "
                    + "measured"
        );
    }

    /// <summary>Each compared attack on the base and on the retrained model at the defense's ε, then the transfer
    /// rows (crafted on one model, played to the other).</summary>
    public static Table Compared(AdversarialTrainingFigures f)
    {
        var rows = f
            .BaseAttacks.Select(r => ("base", "white-box", r))
            .Concat(f.RetrainedAttacks.Select(r => ("adversarially trained", "white-box", r)))
            .Concat(
                f.Transfer.Select(r =>
                    (r.SourceModel == "base" ? "adversarially trained" : "base", $"crafted on {r.SourceModel}", r)
                )
            )
            .ToList();
        var df = new DataFrame(
            new StringDataFrameColumn("evaluated model", rows.Select(r => r.Item1)),
            new StringDataFrameColumn("attack", rows.Select(r => r.r.Attack)),
            new StringDataFrameColumn("attacker knows", rows.Select(r => r.Item2)),
            Percent("clean accuracy (%)", rows.Select(r => r.r.CleanAccuracy)),
            Percent("robust accuracy, tensor (%)", rows.Select(r => r.r.SegmentRobustAccuracy)),
            Percent("robust accuracy, as MIDI (%)", rows.Select(r => r.r.RealizedSegmentAccuracy)),
            Percent("success, tensor (%)", rows.Select(r => r.r.SuccessRate)),
            Percent("success, as MIDI (%)", rows.Select(r => r.r.RealizedSuccessRate))
        );
        return Tables.Of(
            df,
            $"Base vs adversarially trained ({f.Method}) model at ε = {f.Eps}: white-box and transfer attacks "
                + "(test-split segments)"
        );
    }

    /// <summary>Files under <paramref name="folder"/> matching <paramref name="pattern"/>, relative to the study's
    /// output folder.</summary>
    public static Table Files(Study study, string folder, string pattern, string title)
    {
        string[] files = Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal)]
            : [];
        var df = new DataFrame(
            new StringDataFrameColumn("file", files.Select(f => Path.GetRelativePath(study.OutDir, f)))
        );
        return Tables.Of(df, title);
    }

    static DataFrame Pairs(params (string Name, string Value)[] rows) =>
        new(
            new StringDataFrameColumn("setting", rows.Select(r => r.Name)),
            new StringDataFrameColumn("value", rows.Select(r => r.Value))
        );

    static PrimitiveDataFrameColumn<int> Ints(string name, IEnumerable<int> values) => new(name, values);

    /// <summary>Defenses side by side (test split, one ε): clean accuracy and robust accuracy under each compared
    /// attack — which threat model each defense holds against.</summary>
    public static Table Defenses(DefenseComparison c)
    {
        var attacks = c.Models.SelectMany(m => m.Attacks.Select(a => a.Attack)).Distinct().ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("model", c.Models.Select(m => m.Model)),
            new StringDataFrameColumn("defense", c.Models.Select(m => m.Defense)),
            Percent("clean (%)", c.Models.Select(m => m.CleanAccuracy)),
        };
        columns.AddRange(attacks.Select(a => Percent($"robust under {a} (%)", c.Models.Select(m => m.RobustUnder(a)))));
        return Tables.Of(
            new DataFrame(columns),
            $"Defenses at ε = {c.Eps} (test-split segments; robust = right before and under the attack)"
        );
    }

    /// <summary>report.json as one table: the clean model beside the baselines, then the base and the retrained
    /// model under the same PGD, on the tensor and realised as MIDI (test split).</summary>
    public static Table Report(PipelineReport r)
    {
        var adv = r.AdversarialTraining;
        string pgd = $"PGD ε={adv.Eps}";
        var rows = new List<(string What, double Segments, double Performances)>
        {
            ($"CNN ({r.Arch}), clean", r.Clean.SegmentAccuracy, r.Clean.PerformanceAccuracy),
        };
        foreach (var b in new[] { r.FeatureBaseline, r.Baseline, r.ScalarBaseline }.OfType<Baselines.BaselineFigures>())
            rows.Add(($"baseline: {b.Features}", b.SegmentAccuracy, b.PerformanceAccuracy));
        rows.Add(("base model, clean", adv.Base.CleanAccuracy, double.NaN));
        rows.Add(($"base model under {pgd}", adv.Base.RobustAccuracy, adv.Base.PerformanceRobustAccuracy));
        rows.Add(($"base model under {pgd}, realised as MIDI", adv.RealizedBase, double.NaN));
        rows.Add(($"retrained ({adv.Method}), clean", adv.Retrained.CleanAccuracy, double.NaN));
        rows.Add(
            (
                $"retrained ({adv.Method}) under {pgd}",
                adv.Retrained.RobustAccuracy,
                adv.Retrained.PerformanceRobustAccuracy
            )
        );
        rows.Add(($"retrained ({adv.Method}) under {pgd}, realised as MIDI", adv.RealizedRetrained, double.NaN));
        // The stronger attacks at the same ε (AutoAttack, pgd-midi): PGD's rows are above.
        foreach (
            var (who, list) in new[]
            {
                ("base model", adv.BaseAttacks),
                ($"retrained ({adv.Method})", adv.RetrainedAttacks),
            }
        )
        foreach (var a in list.Where(a => a.Attack != "pgd"))
        {
            rows.Add(($"{who} under {a.Attack} ε={adv.Eps}", a.SegmentRobustAccuracy, a.PerformanceRobustAccuracy));
            rows.Add(($"{who} under {a.Attack} ε={adv.Eps}, realised as MIDI", a.RealizedSegmentAccuracy, double.NaN));
        }
        var df = new DataFrame(
            new StringDataFrameColumn("figure", rows.Select(x => x.What)),
            Percent("segment accuracy (%)", rows.Select(x => x.Segments)),
            Percent("performance accuracy, by vote (%)", rows.Select(x => x.Performances))
        );
        return Tables.Of(df, $"report.json: {r.Dataset}, {r.Split} split ({r.TestPerformances} pieces)");
    }

    static PrimitiveDataFrameColumn<double> Percent(string name, IEnumerable<double> fractions) =>
        new(name, fractions.Select(f => Math.Round(100 * f, 1)));

    static PrimitiveDataFrameColumn<double> Round(string name, IEnumerable<double> values) =>
        new(name, values.Select(v => Math.Round(v, 2)));
}

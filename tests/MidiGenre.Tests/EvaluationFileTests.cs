using MidiGenre.Attacks;
using MidiGenre.Evaluation;
using MidiGenre.Experiments;

namespace MidiGenre.Tests;

public class EvaluationFileTests
{
    [Fact]
    public void An_undefined_F1_survives_the_round_trip_through_evaluation_json()
    {
        var summary = new EvaluationSummary(
            "synthetic",
            "test",
            new CheckpointChoice("best", 6, 8),
            ["a", "b"],
            0.5,
            0.5,
            double.NaN,
            0.25,
            [new ClassFigures("a", 0.5, 1, 2.0 / 3, 2), new ClassFigures("b", double.NaN, 0, double.NaN, 0)],
            [
                [2, 0],
                [2, 0],
            ]
        );
        string path = Path.Combine(Directory.CreateTempSubdirectory("eval").FullName, "evaluation.json");
        Common.JsonFiles.Write(path, summary);
        Assert.Contains("\"weighted_f1\": null", File.ReadAllText(path));
        var back = EvaluationSummary.Read(path);
        Assert.True(double.IsNaN(back.WeightedF1) && double.IsNaN(back.PerClass[1].F1));
        Assert.Equal((0.5, 0.25, 6), (back.SegmentAccuracy, back.SegmentWeightedF1, back.Checkpoint!.Epoch));
        Assert.Equal(summary.Confusion, back.Confusion);
        Assert.Equal(summary.PerClass[0], back.PerClass[0]);
    }
}

public class RobustnessFigureTests
{
    internal static AttackResult Row(string attack, bool targeted, double budget, double robust, string unit) =>
        new(
            attack,
            budget,
            unit,
            targeted,
            10,
            0.9,
            robust,
            robust,
            double.NaN,
            null,
            robust,
            robust,
            0,
            null,
            new PerturbationSize(0, 0, 0, 0, 0, 0, 0),
            [],
            [double.NaN, 0.5],
            0
        );

    [Fact]
    public void Attack_rows_survive_the_sweep_file_and_only_an_eps_is_called_eps()
    {
        string dir = Path.Combine(Path.GetTempPath(), "midigenre-sweepfile-" + Guid.NewGuid().ToString("N"));
        var rows = new List<AttackResult>
        {
            Row("pgd", false, 0.05, 0.2, Attacks.Attack.VelocityUnit),
            Row("pgd-l2", false, 2, 0.4, "ε, L2 norm of the change in normalised units"),
        };
        try
        {
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "attacks.json");
            new AttackSweepFile("test", "synthetic", new CheckpointChoice("best", 3, 8), ["a", "b"], rows).Write(path);
            var back = AttackSweepFile.Read(path);
            Assert.True(double.IsNaN(back.Results[0].SuccessRate) && double.IsNaN(back.Results[0].PerClassSuccess[0]));
            Assert.Equal(rows[1].Budget, back.Results[1].Budget);
            Assert.Equal((0.05, (double?)null), (back.Results[0].Eps, back.Results[1].Eps));
            Assert.Equal(3, File.ReadAllLines(Path.ChangeExtension(path, ".csv")).Length);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Targeted_and_untargeted_runs_are_separate_series_and_units_are_never_mixed()
    {
        string unit = Attacks.Attack.VelocityUnit;
        var rows = new[]
        {
            Row("pgd", false, 0.02, 0.5, unit),
            Row("pgd", false, 0.05, 0.2, unit),
            Row("pgd", true, 0.02, 0.9, unit),
            Row("pgd", true, 0.05, 0.7, unit),
        };
        var figure = Charts.Figures.Robustness(rows);
        var traces = figure.Spec["data"]!.AsArray();
        var names = traces.Select(t => (string)t!["name"]!).ToList();
        Assert.Equal(["pgd", "pgd, as MIDI", "pgd (targeted)", "pgd (targeted), as MIDI"], names);
        var targeted = traces.First(t => (string)t!["name"]! == "pgd (targeted)")!;
        Assert.Equal([0.9, 0.7], targeted["y"]!.AsArray().Select(v => (double)v!));
        // Tensor and realised figures in two panels with their own axes, one colour per attack and targeting, one
        // legend entry per attack (the realised line shares its group), and no two series alike.
        var realised = traces.Where(t => ((string)t!["name"]!).EndsWith("as MIDI")).ToList();
        Assert.Equal(2, realised.Count);
        Assert.All(realised, t => Assert.Equal("y2", (string)t!["yaxis"]!));
        Assert.All(realised, t => Assert.False((bool)t!["showlegend"]!));
        Assert.All(traces.Except(realised), t => Assert.Null(t!["yaxis"]));
        Assert.Equal(2, traces.Select(t => (string)t!["line"]!["color"]!).Distinct().Count());
        Assert.Equal(2, traces.Select(t => (string)t!["legendgroup"]!).Distinct().Count());
        Assert.DoesNotContain("overlaying", figure.Spec.ToJsonString());
        Assert.Throws<ArgumentException>(() =>
            Charts.Figures.Robustness([.. rows, Row("column", false, 1, 0.4, "notes added per column")])
        );
    }
}

public class CoincidentSeriesTests
{
    [Fact]
    public void A_line_hidden_under_another_says_so_in_the_legend()
    {
        string unit = Attacks.Attack.VelocityUnit;
        // PGD and AutoAttack both fool everything: their tensor lines coincide; FGSM's differs at ε = 0.02.
        var rows = new[] { "fgsm", "pgd", "autoattack" }
            .SelectMany(a =>
                new[] { 0.02, 0.05 }.Select(e =>
                    RobustnessFigureTests.Row(a, false, e, a == "fgsm" && e == 0.02 ? 0.3 : 0, unit)
                )
            )
            .ToArray();
        var names = Charts.Figures.Robustness(rows).Spec["data"]!
            .AsArray()
            .Where(t => (bool)t!["showlegend"]!)
            .Select(t => (string)t!["name"]!)
            .ToList();
        Assert.Equal(["fgsm", "pgd", "autoattack (same as pgd)"], names);
    }
}

public class RenamedKeyTests
{
    [Fact]
    public void Files_written_before_the_vote_figures_were_named_per_performance_still_read_right()
    {
        var summary = new Evaluation.EvaluationSummary("d", "test", null, ["a", "b"], 0.5, 0.75, 0.6, 0.55, [], []);
        string path = Path.Combine(Path.GetTempPath(), $"midigenre-keys-{Guid.NewGuid():N}.json");
        try
        {
            Common.JsonFiles.Write(path, summary);
            string text = File.ReadAllText(path);
            Assert.Contains("\"performance_accuracy\":", text);
            File.WriteAllText(path, text.Replace("\"performance_accuracy\":", "\"piece_accuracy\":"));
            Assert.Equal(0.75, Evaluation.EvaluationSummary.Read(path).PerformanceAccuracy);
        }
        finally
        {
            File.Delete(path);
        }
        // A checkpoint's history keeps .NET's names; a value that merely contains an old key is left alone.
        Assert.Equal(
            "{\"ValPerformanceAccuracy\": 0.5, \"Title\": \"piece_accuracy\"}",
            Common.JsonFiles.UpgradeKeys("{\"ValPieceAccuracy\": 0.5, \"Title\": \"piece_accuracy\"}")
        );
    }
}

public class PanelFigureTests
{
    [Fact]
    public void Two_units_never_share_a_chart_they_sit_in_two_panels()
    {
        var bars = Charts.Figures.PairedBars(["a", "b"], ("notes added", [50, 10]), ("|Δ velocity|", [11.3, 2]), "t");
        var history = Enumerable
            .Range(1, 3)
            .Select(e => new Training.EpochMetrics(e, 1.0 / e, 0.5, 0.4, 0.4, 0.4, 0.4, 10, 1))
            .ToList();
        // Paired bars: one quantity per panel; training curves: both losses left, accuracies and F1 right.
        foreach (var (figure, left) in new[] { (bars, 1), (Charts.Figures.TrainingCurves(history), 2) })
        {
            var spec = figure.Spec;
            Assert.DoesNotContain("overlaying", spec.ToJsonString());
            var traces = spec["data"]!.AsArray();
            Assert.All(traces.Take(left), t => Assert.Null(t!["yaxis"])); // the first quantity on the left …
            Assert.All(traces.Skip(left), t => Assert.Equal("y2", (string)t!["yaxis"]!)); // … the others right
            Assert.Equal("x2", (string)spec["layout"]!["yaxis2"]!["anchor"]!);
        }
        var curves = Charts.Figures.TrainingCurves(history).Spec["data"]!.AsArray();
        Assert.Equal(["train loss", "validation loss"], curves.Take(2).Select(t => (string)t!["name"]!));
    }
}

public class TimeLeftTests
{
    [Fact]
    public void Time_left_counts_from_the_first_report_even_when_only_epoch_ends_are_shown()
    {
        // 4 epochs of 40 batches, one batch a second: after epoch 1 (40 s), 120 batches = 120 s are left.
        var estimate = new Training.TimeLeft();
        double? left = null;
        for (int b = 1; b <= 40; b++)
            left = estimate.After(new Training.TrainProgress(1, 4, b, 40, 0, 0, 0), b);
        Assert.InRange(left!.Value, 119, 121);
        // A resumed run: its first report is batch 1 of epoch 3, one second in; 79 batches are left.
        var resumed = new Training.TimeLeft();
        Assert.InRange(resumed.After(new Training.TrainProgress(3, 4, 1, 40, 0, 0, 0), 1)!.Value, 78, 80);
        Assert.Null(resumed.After(new Training.TrainProgress(4, 4, 40, 40, 0, 0, 0), 80));
    }
}

public class NotebookFormatTests
{
    [Fact]
    public void Ids_and_counts_come_back_and_a_cut_short_run_is_left_as_it_is()
    {
        string dir = Directory.CreateTempSubdirectory("nbformat").FullName;
        string source = Path.Combine(dir, "source.ipynb"),
            executed = Path.Combine(dir, "executed.ipynb");
        File.WriteAllText(
            source,
            """
            {"cells": [
              {"cell_type": "markdown", "id": "a", "source": []},
              {"cell_type": "code", "id": "b", "source": []},
              {"cell_type": "code", "id": "c", "source": []}
            ], "nbformat": 4, "nbformat_minor": 5}
            """
        );
        File.WriteAllText(
            executed,
            """
            {"cells": [
              {"cell_type": "markdown", "source": []},
              {"cell_type": "code", "execution_count": null, "outputs": [], "source": []},
              {"cell_type": "code", "execution_count": null, "source": [],
               "outputs": [{"output_type": "execute_result", "data": {}}]}
            ], "nbformat": 4, "nbformat_minor": 4}
            """
        );
        Assert.True(Notebooks.NotebookFormat.Restore(source, executed));
        var nb = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(executed))!;
        Assert.Equal(["a", "b", "c"], nb["cells"]!.AsArray().Select(c => (string)c!["id"]!));
        Assert.Equal(2, (int)nb["cells"]![2]!["execution_count"]!);
        Assert.Equal(2, (int)nb["cells"]![2]!["outputs"]![0]!["execution_count"]!);
        Assert.Equal(5, (int)nb["nbformat_minor"]!);
        File.WriteAllText(executed, """{"cells": [{"cell_type": "markdown", "source": []}]}""");
        Assert.False(Notebooks.NotebookFormat.Restore(source, executed));
        File.WriteAllText(executed, """{"cells": [""");
        Assert.False(Notebooks.NotebookFormat.Restore(source, executed));
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace MidiGenre.Tests;

/// <summary>A smoke run trained once by the real `midigenre train` process (1 thread), shared by the process
/// tests.</summary>
public sealed class CliRun : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("midigenre-cli").FullName;
    public string DataDir => Path.Combine(Root, "data");
    public string RunDir => Path.Combine(Root, "a");
    public (int Code, string Out, string Err) Trained { get; }

    public CliRun()
    {
        Trained = CliTests.Run(TrainArgs(RunDir));
        Assert.True(Trained.Code == 0, Trained.Err);
    }

    /// <summary>The same command every time: only the output folder differs.</summary>
    public string[] TrainArgs(string outDir, params string[] extra) =>
        ["train", "--profile", "smoke", "--data", DataDir, "--out", outDir, "--threads", "1", "--seed", "3", .. extra];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, true);
        }
        catch (IOException) { }
    }
}

[CollectionDefinition("cli")]
public sealed class CliCollection : ICollectionFixture<CliRun>;

/// <summary>Same seed, same numbers — across real processes; a killed run resumed in a new process.</summary>
[Collection("cli")]
public class ReproducibilityTests(CliRun run)
{
    /// <summary>metrics.csv without its time columns (train_seg_per_s, seconds).</summary>
    static string[] Figures(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.csv"))
            .Select(l => string.Join(',', l.Split(',')[..^2]))
            .ToArray();

    [Fact]
    public void Two_processes_with_the_same_seed_write_identical_metrics_and_weights()
    {
        string b = Path.Combine(run.Root, "b");
        var second = CliTests.Run(run.TrainArgs(b));
        Assert.True(second.Code == 0, second.Err);
        Assert.Equal(Figures(run.RunDir), Figures(b));
        Assert.Equal(3, Figures(b).Length - 1);
        foreach (var which in new[] { "last", "best" })
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(run.RunDir, which, "model.bin")),
                File.ReadAllBytes(Path.Combine(b, which, "model.bin"))
            );
        // A different seed is a different run: the test above is not vacuous.
        string c = Path.Combine(run.Root, "c");
        Assert.Equal(
            0,
            CliTests
                .Run([
                    "train",
                    "--profile",
                    "smoke",
                    "--data",
                    run.DataDir,
                    "--out",
                    c,
                    "--threads",
                    "1",
                    "--seed",
                    "4",
                    "--epochs",
                    "1",
                ])
                .Code
        );
        Assert.NotEqual(Figures(run.RunDir)[1], Figures(c)[1]);
    }

    [Fact]
    public void A_run_killed_mid_epoch_and_resumed_in_a_new_process_ends_with_the_same_weights()
    {
        string k = Path.Combine(run.Root, "killed");
        bool killed = false;
        using (var p = Process.Start(CliTests.Start(run.TrainArgs(k)))!)
        {
            p.OutputDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            // Progress lines come every 10 % of 3 epochs: once epoch 1 is checkpointed, a line at 40–60 % is mid-epoch
            // 2.
            string epoch1 = Path.Combine(k, "last", "meta.json");
            for (string? line; !killed && (line = p.StandardError.ReadLine()) != null; )
                if (File.Exists(epoch1) && Percent(line) is >= 40 and < 66)
                {
                    p.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
                    killed = true;
                }
            p.WaitForExit();
        }
        Assert.True(killed, "the run ended before it could be killed");
        int epochAtKill = JsonDocument
            .Parse(File.ReadAllText(Path.Combine(k, "last", "meta.json")))
            .RootElement.GetProperty("Epoch")
            .GetInt32();
        Assert.Equal(1, epochAtKill);
        var resumed = CliTests.Run(run.TrainArgs(k, "--resume"));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(run.RunDir, "last", "model.bin")),
            File.ReadAllBytes(Path.Combine(k, "last", "model.bin"))
        );
        Assert.Equal(Figures(run.RunDir), Figures(k));
    }

    static int Percent(string line) =>
        line.StartsWith("train: ")
        && line.IndexOf('(') is int a and > 0
        && line.IndexOf('%') is int b
        && b > a
        && int.TryParse(line[(a + 1)..b], out int p)
            ? p
            : -1;

    [Fact]
    public void Resume_after_a_crash_between_the_checkpoint_renames_continues_from_the_old_folder()
    {
        string r = Path.Combine(run.Root, "crashed");
        var one = CliTests.Run(run.TrainArgs(r, "--epochs", "2"));
        Assert.True(one.Code == 0, one.Err);
        // What a crash between the two renames of Checkpoint.Save leaves: last.old/ and no last/.
        Directory.Move(Path.Combine(r, "last"), Path.Combine(r, "last.old"));
        var resumed = CliTests.Run(run.TrainArgs(r, "--epochs", "2", "--resume"));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.DoesNotContain("epoch 1/2", resumed.Err); // nothing retrained
        Assert.False(Directory.Exists(Path.Combine(r, "last.old")));
        Assert.True(File.Exists(Path.Combine(r, "last", "model.bin")));
    }

    [Fact]
    public void Resume_with_other_settings_lists_the_differences_unless_allowed()
    {
        string r = Path.Combine(run.Root, "changed");
        CopyDir(run.RunDir, r);
        var refused = CliTests.Run(run.TrainArgs(r, "--resume", "--epochs", "4", "--lr", "0.01"));
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("Epochs: 3 → 4", refused.Err);
        Assert.Contains("LearningRate", refused.Err);
        Assert.Contains("--allow-changes", refused.Err);
        Assert.DoesNotContain("   at ", refused.Err);
        var allowed = CliTests.Run(run.TrainArgs(r, "--resume", "--epochs", "4", "--allow-changes"));
        Assert.True(allowed.Code == 0, allowed.Err);
        Assert.Contains("epoch 4/4", allowed.Err);
    }

    internal static void CopyDir(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }
}

/// <summary>Every command once in normal use and once with a bad input: exit code and a message that says what to
/// do.</summary>
[Collection("cli")]
public class CommandTests(CliRun run)
{
    static void Refused((int Code, string Out, string Err) r, params string[] says)
    {
        Assert.NotEqual(0, r.Code);
        foreach (var s in says)
            Assert.Contains(s, r.Err);
        Assert.DoesNotContain("Unhandled exception", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void Evaluate_scores_the_test_split_of_the_recorded_corpus_and_refuses_bad_runs()
    {
        var ok = CliTests.Run("evaluate", "--model", run.RunDir);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains("test split of synthetic-smoke", ok.Out);
        Assert.Contains("checkpoint best", ok.Out);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.RunDir, "evaluation.json"))).RootElement;
        Assert.Equal("test", json.GetProperty("split").GetString());
        Assert.Equal("best", json.GetProperty("checkpoint").GetProperty("which").GetString());

        Refused(
            CliTests.Run("evaluate", "--model", Path.Combine(run.Root, "no-such-run")),
            "does not exist",
            "midigenre train"
        );
        string corrupt = Path.Combine(run.Root, "corrupt");
        ReproducibilityTests.CopyDir(run.RunDir, corrupt);
        File.WriteAllBytes(Path.Combine(corrupt, "best", "model.bin"), [1, 2, 3]);
        Refused(CliTests.Run("evaluate", "--model", corrupt), "unreadable checkpoint", "train it again");
    }

    [Fact]
    public void A_corpus_with_classes_the_model_does_not_know_is_refused_with_both_lists()
    {
        string genres = Path.Combine(run.Root, "genres");
        var midi = Directory
            .GetFiles(Path.Combine(run.DataDir, "synthetic-smoke"), "*.midi", SearchOption.AllDirectories)
            .Order()
            .ToArray();
        for (int i = 0; i < 9; i++)
        {
            string dest = Path.Combine(
                genres,
                i % 3 == 0 ? "Jazz"
                    : i % 3 == 1 ? "Rock"
                    : "Folk",
                $"song{i}.mid"
            );
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(midi[i], dest);
        }
        Refused(
            CliTests.Run("evaluate", "--model", run.RunDir, "--corpus", genres),
            "are not the model's",
            "Jazz",
            "Alberti"
        );
        // A folder-per-class corpus trains like any other (labels that are not composers).
        var trained = CliTests.Run(
            "train",
            "--profile",
            "smoke",
            "--data",
            Path.Combine(run.Root, "gdata"),
            "--corpus",
            genres,
            "--out",
            Path.Combine(run.Root, "genre-run"),
            "--epochs",
            "1",
            "--segments",
            "2",
            "--threads",
            "1"
        );
        Assert.True(trained.Code == 0, trained.Err);
        Assert.Contains("3 classes", trained.Out);
    }

    [Fact]
    public void Predict_classifies_files_and_says_when_there_is_nothing_to_classify()
    {
        string file = Directory
            .GetFiles(Path.Combine(run.DataDir, "synthetic-smoke"), "*.midi", SearchOption.AllDirectories)
            .Order()
            .First();
        var ok = CliTests.Run("predict", "--model", run.RunDir, file);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Matches(@": \w+ \d+(\.\d)? %", ok.Out);
        Refused(CliTests.Run("predict", "--model", "/nonexistent", file), "does not exist");
        string empty = Path.Combine(run.Root, "empty.mid");
        File.WriteAllBytes(empty, new SmfBuilder().Track().Tempo(0, 500000).End().Bytes());
        Refused(CliTests.Run("predict", "--model", run.RunDir, empty), "nothing to classify");
    }

    [Fact]
    public void Attack_reports_budgets_on_the_test_split_and_validates_before_loading()
    {
        string outDir = Path.Combine(run.Root, "attack");
        var ok = CliTests.Run(
            "attack",
            "--model",
            run.RunDir,
            "--attack",
            "fgsm",
            "--eps",
            "0,0.05",
            "--out",
            outDir,
            "--save-midi",
            "1"
        );
        Assert.True(ok.Code == 0, ok.Err);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "attacks.json"))).RootElement;
        Assert.Equal("test", json.GetProperty("split").GetString());
        var rows = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(0.05, rows[1].GetProperty("budget").GetDouble());
        Assert.Contains("normalised velocity", rows[1].GetProperty("budget_unit").GetString());
        Assert.True(File.Exists(Path.Combine(outDir, "examples", "fgsm-0.05-0-adversarial.mid")));
        // The sweep's sanity checks are in the file and on the console.
        var sanity = json.GetProperty("sanity").EnumerateArray().ToList();
        Assert.Contains(sanity, c => c.GetProperty("check").GetString()!.Contains("unbounded"));
        Assert.All(sanity, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.ToString()));
        Assert.Contains("ok   unbounded PGD", ok.Out);

        // A transfer attack names the run it was crafted on in every row.
        string transferDir = Path.Combine(run.Root, "transfer");
        var moved = CliTests.Run(
            "attack",
            "--model",
            run.RunDir,
            "--source-model",
            run.RunDir,
            "--attack",
            "pgd",
            "--eps",
            "0.05",
            "--out",
            transferDir,
            "--no-sanity"
        );
        Assert.True(moved.Code == 0, moved.Err);
        var movedRows = JsonDocument
            .Parse(File.ReadAllText(Path.Combine(transferDir, "attacks.json")))
            .RootElement.GetProperty("results")
            .EnumerateArray();
        Assert.All(movedRows, r => Assert.Equal("a", r.GetProperty("source_model").GetString()));
        Assert.Contains("crafted on a", moved.Out);

        Refused(CliTests.Run("attack", "--model", run.RunDir, "--attack", "nosuch"), "nosuch", "pgd");
        Refused(
            CliTests.Run("attack", "--model", run.RunDir, "--attack", "column", "--eps", "0.5"),
            "whole number of notes"
        );
        Refused(
            CliTests.Run("attack", "--model", run.RunDir, "--attack", "deepfool", "--targeted"),
            "no targeted mode"
        );
    }

    [Fact]
    public void Advtrain_records_its_defense_and_rejects_an_impossible_mix()
    {
        string r = Path.Combine(run.Root, "adv");
        var ok = CliTests.Run(
            "advtrain",
            "--profile",
            "smoke",
            "--data",
            run.DataDir,
            "--out",
            r,
            "--epochs",
            "1",
            "--segments",
            "2",
            "--threads",
            "1",
            "--eps",
            "0.05",
            "--steps",
            "2"
        );
        Assert.True(ok.Code == 0, ok.Err);
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(r, "last", "meta.json"))).RootElement;
        Assert.Equal("pgd", meta.GetProperty("Defense").GetProperty("Method").GetString());
        Assert.Equal(0.05, meta.GetProperty("Defense").GetProperty("Eps").GetDouble());
        Refused(
            CliTests.Run("advtrain", "--profile", "smoke", "--data", run.DataDir, "--out", r, "--mix", "2"),
            "--mix"
        );
        // --from fine-tunes the same run description: half the epochs, the start named by its weights' hash.
        string tuned = Path.Combine(run.Root, "adv-tuned");
        string[] fineTune =
        [
            "advtrain",
            "--profile",
            "smoke",
            "--data",
            run.DataDir,
            "--epochs",
            "2",
            "--segments",
            "2",
            "--threads",
            "1",
            "--steps",
            "2",
        ];
        var ft = CliTests.Run([.. fineTune, "--out", tuned, "--from", run.RunDir]);
        Assert.True(ft.Code == 0, ft.Err);
        var tunedMeta = JsonDocument.Parse(File.ReadAllText(Path.Combine(tuned, "last", "meta.json"))).RootElement;
        Assert.Equal(1, tunedMeta.GetProperty("Settings").GetProperty("Epochs").GetInt32());
        Assert.EndsWith(
            Common.ResultStamp.HashOf(Path.Combine(run.RunDir, "best", "model.bin")),
            tunedMeta.GetProperty("StartedFrom").GetString()
        );
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("StartedFrom").ValueKind); // from scratch says so
        string nothing = Path.Combine(run.Root, "never-trained");
        Refused(CliTests.Run([.. fineTune, "--out", Path.Combine(run.Root, "x"), "--from", nothing]), "is missing");
        Assert.False(Directory.Exists(Path.Combine(run.Root, "x"))); // refused before any work
    }

    [Fact]
    public void Prepare_and_synth_work_and_name_what_is_missing()
    {
        string synth = Path.Combine(run.Root, "synth");
        var s = CliTests.Run("synth", "--out", synth, "--pieces", "3");
        Assert.True(s.Code == 0, s.Err);
        var p = CliTests.Run("prepare", "--corpus", synth, "--data", Path.Combine(run.Root, "pdata"));
        Assert.True(p.Code == 0, p.Err);
        Assert.Contains("encoded", p.Out);
        Refused(CliTests.Run("prepare", "--corpus", Path.Combine(run.Root, "no-such-maestro")), "does not exist");
        Refused(CliTests.Run("synth", "--out", synth, "--pieces", "0"), "--pieces");
        // A catalog whose label column is missing, and one that yields a single class.
        string csv = Path.Combine(run.Root, "one-class.csv");
        File.WriteAllText(csv, "midi_filename,genre\na.mid,jazz\n");
        File.Copy(SmokeMidi(), Path.Combine(run.Root, "a.mid"), true);
        Refused(CliTests.Run("prepare", "--corpus", csv, "--label", "style"), "missing column(s) style");
        Refused(
            CliTests.Run(
                "pipeline",
                "--profile",
                "smoke",
                "--corpus",
                csv,
                "--label",
                "genre",
                "--out",
                Path.Combine(run.Root, "p1")
            ),
            "at least 2",
            "jazz"
        );
    }

    [Fact]
    public void Baseline_reports_test_figures_and_refuses_unknown_classes()
    {
        string outDir = Path.Combine(run.Root, "baseline");
        var ok = CliTests.Run("baseline", "--profile", "smoke", "--data", run.DataDir, "--out", outDir);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains("test split of synthetic-smoke", ok.Out);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "baseline.json"))).RootElement;
        Assert.Equal("test", json.GetProperty("split").GetString());
        var baselines = json.GetProperty("baselines").EnumerateArray().ToList();
        Assert.Equal(3, baselines.Count); // boosted trees on music features, histograms, 4 scalars
        Assert.Contains("gradient-boosted trees", baselines[0].GetProperty("classifier").GetString());
        Refused(
            CliTests.Run("baseline", "--profile", "smoke", "--data", run.DataDir, "--classes", "Alberti,Nobody"),
            "Nobody",
            "not found"
        );
    }

    string SmokeMidi() =>
        Directory
            .GetFiles(Path.Combine(run.DataDir, "synthetic-smoke"), "*.midi", SearchOption.AllDirectories)
            .Order()
            .First();

    [Fact]
    public void Bench_and_notebooks_refuse_unknown_names()
    {
        Refused(CliTests.Run("bench", "model", "--arch", "nosuch", "--iters", "1"), "nosuch");
        Refused(CliTests.Run("notebooks", "--only", "99-nosuch", "--out", Path.Combine(run.Root, "nb")), "99-nosuch");
        var bench = CliTests.Run("bench", "model", "--arch", "convnet", "--batch", "2", "--iters", "1");
        Assert.True(bench.Code == 0, bench.Err);
        Assert.Contains("\"arch\":\"convnet\"", bench.Out);
    }
}

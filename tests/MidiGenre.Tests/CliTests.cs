using System.Diagnostics;

namespace MidiGenre.Tests;

/// <summary>The midigenre command run as a process, as a user would.</summary>
public class CliTests
{
    internal static ProcessStartInfo Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MidiGenre.Cli.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    internal static (int Code, string Out, string Err) Run(params string[] args) => RunWith(new(), args);

    /// <summary>The command with extra environment variables.</summary>
    internal static (int Code, string Out, string Err) RunWith(Dictionary<string, string> env, params string[] args)
    {
        var psi = Start(args);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(900_000), "midigenre did not finish within 15 minutes");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Encode_walks_folders_reports_every_file_and_survives_bad_ones()
    {
        string dir = Directory.CreateTempSubdirectory("enc").FullName;
        string input = Path.Combine(dir, "in", "sub");
        Directory.CreateDirectory(input);
        File.Copy(
            Path.Combine(AppContext.BaseDirectory, "Fixtures", "realworld", "music004.mid"),
            Path.Combine(input, "good.mid")
        );
        File.WriteAllBytes(Path.Combine(input, "bad.midi"), "MThd garbage"u8.ToArray());
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not midi");
        string outDir = Path.Combine(dir, "out");
        var (code, stdout, _) = Run("encode", Path.Combine(dir, "in"), "--out", outDir, "--no-drums");
        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(outDir, "sub", "good.npy")));
        var lines = File.ReadAllLines(Path.Combine(outDir, "encode-report.csv"));
        Assert.Equal("source,output,status,notes,frames,error", lines[0]);
        Assert.Equal(3, lines.Length);
        // A failed file names no output: it was never written.
        Assert.Contains(lines, l => l.Contains("bad.midi") && l.Contains(",,failed,"));
        Assert.Contains(lines, l => l.Contains("good.mid") && l.Contains(",encoded,"));
        Assert.Contains("encoded 1 of 2", stdout);
        Assert.Equal(1, Run("encode", Path.Combine(input, "bad.midi"), "--out", outDir).Code);

        // The same roll as note spans: a file of its own kind that draws back to the dense roll exactly.
        string notesDir = Path.Combine(dir, "notes");
        var asNotes = Run("encode", Path.Combine(dir, "in"), "--out", notesDir, "--no-drums", "--format", "notes");
        Assert.Equal(0, asNotes.Code);
        var spans = Encoding.NoteSpans.Read(Path.Combine(notesDir, "sub", "good.notes.npy"));
        Assert.True(spans.Count > 0);
        Assert.Equal(Encoding.Npy.ReadRoll(Path.Combine(outDir, "sub", "good.npy")), spans.ToRoll());
        Assert.Contains(",encoded,", File.ReadAllText(Path.Combine(notesDir, "encode-report.csv")));
    }

    [Fact]
    public void Help_lists_the_commands_and_errors_say_what_to_do()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        // The command names as listed (indented, first word of the line): "advtrain" does not count as "train".
        var listed = stdout
            .Split('\n')
            .Where(l => l.StartsWith("  ") && l.Trim().Length > 0)
            .Select(l => l.Trim().Split(' ')[0])
            .ToHashSet();
        foreach (
            var c in new[]
            {
                "encode",
                "synth",
                "prepare",
                "train",
                "evaluate",
                "predict",
                "attack",
                "advtrain",
                "pipeline",
                "notebooks",
                "bench",
            }
        )
            Assert.Contains(c, listed);
        var missing = Run("evaluate", "--model", Path.Combine(Path.GetTempPath(), "no-such-run"));
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("midigenre train", missing.Err);
        // the old alias
        var badMaestro = Run("prepare", "--maestro", Path.Combine(Path.GetTempPath(), "no-such-maestro"));
        Assert.NotEqual(0, badMaestro.Code);
        Assert.Contains("does not exist", badMaestro.Err);
    }
}

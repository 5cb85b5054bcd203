using System.CommandLine;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Experiments;
using Spectre.Console;

namespace MidiGenre.Cli.Commands;

/// <summary>A command-line value that cannot work, found before any work starts.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>Options and helpers shared by several commands.</summary>
static class Common
{
    public static Option<bool> NoDrums() => new("--no-drums") { Description = "Drop MIDI channel 10 (drums)" };

    public static Option<bool> Sustain() =>
        new("--sustain")
        {
            Description = "Extend notes while the sustain pedal (CC64 ≥ 64) is down, as in Onsets and Frames",
        };

    public static Option<int> Seed() =>
        new("--seed")
        {
            Description = "One seed for splits, crops, initialisation and attacks",
            DefaultValueFactory = _ => 0,
        };

    /// <summary>`--profile`, the same for every command: the profiles' names and what each is for come from
    /// <see cref="MidiGenre.Common.Profile"/>, and so does the default (<see cref="ProfileOf"/>).</summary>
    public static Option<string?> Profile(string sets)
    {
        var o = new Option<string?>("--profile")
        {
            Description =
                $"{MidiGenre.Common.Profile.Help}; sets {sets} (default: {MidiGenre.Common.Profile.DefaultRule})",
        };
        o.AcceptOnlyFromAmong([.. MidiGenre.Common.Profile.Names]);
        return o;
    }

    /// <summary>The profile a command runs: the one named, else the default rule.</summary>
    public static MidiGenre.Common.Profile ProfileOf(ParseResult r, Option<string?> option) =>
        MidiGenre.Common.Profile.Resolve(r.GetValue(option));

    public static Option<bool> Bf16() =>
        new("--bf16")
        {
            Description =
                "Run the model in bfloat16 (faster on CPUs with AVX-512 BF16; "
                + "predictions may differ on borderline segments)",
        };

    /// <summary>The model as loaded, or wrapped to run in bfloat16 when <paramref name="bf16"/> is set.</summary>
    public static TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> WithPrecision(
        TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model,
        bool bf16
    ) => bf16 ? new Models.Bf16Inference(model) : model;

    public static EncodeOptions Encode(ParseResult r, Option<bool> noDrums, Option<bool> sustain) =>
        new(r.GetValue(noDrums), r.GetValue(sustain));

    /// <summary>Runs <paramref name="work"/> with a progress bar when attached to a terminal, plain
    /// otherwise.</summary>
    public static T WithProgress<T>(string label, int total, Func<Action<int>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            // Logs, CI, nohup: a line every 10 % and at least every 30 s, with the time left.
            int last = -1;
            int done = 0;
            var gate = new object();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var lastLine = TimeSpan.Zero;
            return work(step =>
            {
                lock (gate)
                {
                    done += step;
                    int pct = total == 0 ? 100 : done * 100 / total;
                    if (pct / 10 == last / 10 && clock.Elapsed - lastLine < TimeSpan.FromSeconds(30))
                        return;
                    last = pct;
                    lastLine = clock.Elapsed;
                    double left = done == 0 ? double.NaN : clock.Elapsed.TotalSeconds * (total - done) / done;
                    Console.Error.WriteLine(
                        $"{label}: {done}/{total} ({pct}%), {clock.Elapsed.TotalSeconds:F0} s"
                            + (double.IsFinite(left) && done < total ? $", about {left:F0} s left" : "")
                    );
                }
            });
        }
        T result = default!;
        AnsiConsole
            .Progress()
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn()
            )
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: Math.Max(1, total));
                result = work(step => task.Increment(step));
            });
        return result;
    }

    public static void PrintTable(string title, Microsoft.Data.Analysis.DataFrame df)
    {
        var table = new Table { Title = new TableTitle(title) };
        foreach (var c in df.Columns)
            table.AddColumn(Markup.Escape(c.Name));
        for (long r = 0; r < df.Rows.Count; r++)
            table.AddRow(
                df.Columns.Select(c =>
                        Markup.Escape(Convert.ToString(c[r], System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    )
                    .ToArray()
            );
        AnsiConsole.Write(table);
    }

    /// <summary>Runs a command's work; a mistake in the input (typed errors of the library, missing files) or a
    /// libtorch error becomes one line on stderr and exit code 1 instead of a stack trace.</summary>
    public static int Guard(Func<int> work)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (OneLine(e) is string line)
        {
            return Fail(line);
        }
    }

    public static async Task<int> Guard(Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (OneLine(e) is string line)
        {
            return Fail(line);
        }
    }

    /// <summary>What the user is told instead of a stack trace, or null for a bug (which keeps its stack
    /// trace).</summary>
    static string? OneLine(Exception e) =>
        IsUserError(e) ? e.Message
        : e is System.Runtime.InteropServices.ExternalException torch ? TorchError(torch)
        : null;

    /// <summary>A libtorch error in one line: the command, the device, and libtorch's own first line (its C++ stack
    /// follows it in the message and helps nobody here).</summary>
    static string TorchError(System.Runtime.InteropServices.ExternalException e)
    {
        var words = Environment.GetCommandLineArgs().Skip(1).TakeWhile(a => !a.StartsWith('-'));
        string command = string.Join(' ', words.Where(w => !w.EndsWith(".dll", StringComparison.Ordinal)));
        string device = Models.ModelFactory.DefaultDevice().ToString();
        string first = e.Message.Split('\n', 2)[0].Trim();
        return $"libtorch failed in `{command}` on {device}: {first}; `midigenre doctor --smoke` checks every step "
            + "on every device";
    }

    static bool IsUserError(Exception e) =>
        e
            is CatalogFormatException
                or SplitException
                or ClassMismatchException
                or Training.ResumeMismatchException
                or Training.CorruptCheckpointException
                or MissingStepException
                or RunSpecException
                or FileNotFoundException
                or DirectoryNotFoundException
                or Midi.MidiFormatException
                or DownloadException
                or UsageException
                or Attacks.AttackBudgetException
                or Attacks.TransferMismatchException
                or Native.LibTorchException
                or Defenses.DefenseException
                or Notebooks.NotebookToolException
                or Apps.NotebookAppException
                or MidiGenre.Common.StaleResultException
                or MidiGenre.Common.ProfileException;

    /// <summary>Error output that tells the user what to do; returns the exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 1;
    }
}

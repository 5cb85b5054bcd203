using System.Globalization;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Training;

namespace MidiGenre.Experiments;

/// <summary>A value of a run's description that cannot work, found before any work starts; the message names the
/// option or environment variable it came from and what it accepts.</summary>
public sealed class RunSpecException(string message) : Exception(message);

/// <summary>
/// One experiment, described once and checked when built: where the data come from, how the base model trains, the
/// defense the retrained model uses, the attack sweep, and which checkpoint the steps read. `pipeline`, `bench
/// advtrain` and the notebooks (<see cref="FromEnvironment"/>) build one and hand it to <see cref="Study"/>; nothing
/// downstream decides these values again. Every part validates itself (<see cref="DefenseSpec"/>, <see
/// cref="AttackSweepSpec"/>), so a bad value is a one-line error before any data is loaded.
/// </summary>
public sealed record RunSpec
{
    public RunSpec(
        string profile,
        string outDir,
        DataSource source,
        int seed = 0,
        string method = "pgd",
        IReadOnlyList<double>? epsilons = null,
        string checkpoint = "best",
        bool fineTune = false
    )
    {
        Profile = ProfileNamed(profile);
        OutDir = Path.GetFullPath(outDir);
        Source = source;
        Training = TrainSettings.For(Profile) with { Seed = seed };
        var m = RetrainingMethod(method);
        Defense = new DefenseSpec(m, Defaults.Eps, DefenseSpec.DefaultSteps(m, Profile), Defaults.Mix, Seed: seed)
        {
            FineTune = fineTune,
        };
        Sweep = new AttackSweepSpec(
            ["fgsm", "pgd", AutoAttack.CheapName, "pgd-midi"],
            epsilons ?? Defaults.Epsilons,
            Profile.PgdSteps,
            seed
        );
        Checkpoint = checkpoint;
        if (!Sweep.Budgets.Any(b => SameBudget(b, Defense.Eps)))
            throw new RunSpecException(
                $"--eps {string.Join(",", Sweep.Budgets.Select(b => b.ToString(CultureInfo.InvariantCulture)))} "
                    + $"leaves out the defense's ε = {Defense.Eps.ToString(CultureInfo.InvariantCulture)}: the "
                    + "retrained model is compared and the MIDI examples are saved at that ε; add it to the list"
            );
    }

    /// <summary>Budgets as equal as a typed list makes them (0.05 parsed and 0.05 computed).</summary>
    public static bool SameBudget(double a, double b) => Math.Abs(a - b) <= 1e-9;

    /// <summary>The defaults of everything else.</summary>
    public Profile Profile { get; }

    /// <summary>Where every step writes (absolute).</summary>
    public string OutDir { get; }
    public DataSource Source { get; init; }

    /// <summary>The base model's training; its seed is the run's one seed.</summary>
    public TrainSettings Training { get; init; }

    /// <summary>How the adversarially retrained model is trained (method, ε, steps, mix, β, seed).</summary>
    public DefenseSpec Defense { get; init; }

    /// <summary>The sweep on the test split (FGSM, PGD, AutoAttack, pgd-midi); MIDI examples are saved at the
    /// defense's ε.</summary>
    public AttackSweepSpec Sweep { get; init; }

    /// <summary>Which weights of a run the steps read: "best" (best validation performance F1) or "last".</summary>
    public string Checkpoint
    {
        get;
        init => field = CheckCheckpoint(value);
    }

    static string CheckCheckpoint(string which) =>
        which is "best" or "last"
            ? which
            : throw new RunSpecException($"checkpoint '{which}': use best (validation's choice) or last");

    public int Seed => Training.Seed;

    static Profile ProfileNamed(string name)
    {
        try
        {
            return Profile.Parse(name);
        }
        catch (ProfileException e)
        {
            throw new RunSpecException(e.Message);
        }
    }

    /// <summary>
    /// The notebooks' run: MIDIGENRE_PROFILE (default gpu with CUDA, else cpu), MIDIGENRE_DATA, MIDIGENRE_CORPUS
    /// (alias MIDIGENRE_MAESTRO), MIDIGENRE_LABEL, MIDIGENRE_FILE_COLUMN, MIDIGENRE_PIECE_COLUMN, MIDIGENRE_CLASSES
    /// ('paper', 'all' or a list), MIDIGENRE_MIN_PIECES, MIDIGENRE_OUT (default artifacts/notebooks/&lt;profile&gt;
    /// under <paramref name="root"/>), MIDIGENRE_SEED, MIDIGENRE_CHECKPOINT, MIDIGENRE_ADV_METHOD and
    /// MIDIGENRE_ADV_FINETUNE (1: the defenses start from the base model, half the epochs). A value that
    /// cannot work is a <see cref="RunSpecException"/> naming the variable.
    /// </summary>
    public static RunSpec FromEnvironment(string root, Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => read(name) is { Length: > 0 } v ? v : null;
        // Each variable checked on its own, so the message names the one to fix.
        var profile = Named(Profile.Variable, () => Profile.Resolve(null, read));
        string data = Get("MIDIGENRE_DATA") ?? Path.Combine(root, "data");
        string? corpus = Get("MIDIGENRE_CORPUS") ?? Get("MIDIGENRE_MAESTRO");
        string label = Get("MIDIGENRE_LABEL") ?? Catalog.DefaultLabelColumn;
        string outDir = Get("MIDIGENRE_OUT") ?? Path.Combine(root, "artifacts", "notebooks", profile.Name);
        int seed = Get("MIDIGENRE_SEED") is string s
            ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                ? v
                : throw new RunSpecException($"MIDIGENRE_SEED='{s}': the seed is a whole number, e.g. 0")
            : 0;
        string method = Get("MIDIGENRE_ADV_METHOD") ?? "pgd";
        string checkpoint = Get("MIDIGENRE_CHECKPOINT") ?? "best";
        Named("MIDIGENRE_ADV_METHOD", () => RetrainingMethod(method));
        Named(
            "MIDIGENRE_CHECKPOINT",
            () => new RunSpec("smoke", outDir, new DataSource(data)) { Checkpoint = checkpoint }
        );
        var source = DataSource.ForProfile(profile, data, corpus) with
        {
            LabelColumn = label,
            FileColumn = Get("MIDIGENRE_FILE_COLUMN"),
            PieceColumn = Get("MIDIGENRE_PIECE_COLUMN"),
            Classes = Get("MIDIGENRE_CLASSES"),
            MinPieces = Get("MIDIGENRE_MIN_PIECES") is string m
                ? int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1
                    ? n
                    : throw new RunSpecException($"MIDIGENRE_MIN_PIECES='{m}': a whole number of pieces, at least 1")
                : 1,
        };
        bool fineTune = Get("MIDIGENRE_ADV_FINETUNE") switch
        {
            null or "0" => false,
            "1" => true,
            string f => throw new RunSpecException(
                $"MIDIGENRE_ADV_FINETUNE='{f}': 1 fine-tunes the defense from the base model, 0 (default) trains it "
                    + "from scratch"
            ),
        };
        return new RunSpec(profile.Name, outDir, source, seed, method, checkpoint: checkpoint, fineTune: fineTune);
    }

    /// <summary>Runs a check, saying which variable a refused value came from.</summary>
    static T Named<T>(string variable, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is DefenseException or RunSpecException or ProfileException)
        {
            throw new RunSpecException($"{variable}: {e.Message}");
        }
    }

    /// <summary>The adversarial-training step's method: one that trains against attacks (none would retrain a clean
    /// model and call it defended).</summary>
    static DefenseMethod RetrainingMethod(string name) => DefenseSpec.Parse(name);

    /// <summary>The defense for <paramref name="method"/> with this run's ε, mix, β and seed and the method's default
    /// steps for the profile (what `bench advtrain` compares).</summary>
    public DefenseSpec DefenseFor(string method) =>
        RetrainingMethod(method) is var m && m == Defense.Method
            ? Defense
            : Defense with
            {
                Method = m,
                Steps = DefenseSpec.DefaultSteps(m, Profile),
            };
}

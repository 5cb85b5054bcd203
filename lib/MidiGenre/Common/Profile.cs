namespace MidiGenre.Common;

/// <summary>A profile name nobody defined; the message lists the profiles.</summary>
public sealed class ProfileException(string message) : ArgumentException(message);

/// <summary>
/// A run profile: one name that sets the defaults of everything else — the model and its training (<c>Training</c>'s
/// <c>TrainSettings.For</c>), the PGD steps of sweeps and defenses, which synthetic corpus stands in when no corpus is
/// named. The profiles, their defaults and the rule that picks one when none is named live here only; options, help
/// texts, the notebooks and checks read them from here. A checkpoint records the name (<see cref="Find"/> reads it
/// back).
/// </summary>
public sealed class Profile
{
    Profile(string name, string summary, int pgdSteps, bool smallCorpus)
    {
        Name = name;
        Summary = summary;
        PgdSteps = pgdSteps;
        SmallCorpus = smallCorpus;
    }

    /// <summary>What options, files and checkpoints write ("cpu").</summary>
    public string Name { get; }

    /// <summary>What it is for, in a few words (help texts, errors).</summary>
    public string Summary { get; }

    /// <summary>PGD steps of the attack sweep, PGD-based adversarial training and its checks: 5 on smoke (seconds),
    /// else PGD-10.</summary>
    public int PgdSteps { get; }

    /// <summary>Whether the embedded synthetic corpus is its small version (a few pieces per class).</summary>
    public bool SmallCorpus { get; }

    public static readonly Profile Smoke = new("smoke", "seconds: tests and CI", 5, smallCorpus: true);
    public static readonly Profile Cpu = new("cpu", "minutes on a laptop's CPU", Defaults.PgdSteps, false);
    public static readonly Profile Gpu = new(
        "gpu",
        "the paper's ResNet-50 and data for 15 epochs: a teaching run on one GPU",
        Defaults.PgdSteps,
        false
    );
    public static readonly Profile Paper = new(
        "paper",
        "Kim et al.'s setting: ResNet-50, 100 epochs",
        Defaults.PgdSteps,
        false
    );

    /// <summary>The profiles, fastest first.</summary>
    public static readonly IReadOnlyList<Profile> All = [Smoke, Cpu, Gpu, Paper];

    /// <summary>Their names, for an option's accepted values.</summary>
    public static IReadOnlyList<string> Names => [.. All.Select(p => p.Name)];

    /// <summary>"smoke (seconds: tests and CI) | cpu (…) | …", for help texts.</summary>
    public static string Help => string.Join(" | ", All.Select(p => $"{p.Name} ({p.Summary})"));

    /// <summary>The variable the notebooks and the CLI read when no profile is named.</summary>
    public const string Variable = "MIDIGENRE_PROFILE";

    /// <summary>The rule when none is named, said once for help texts.</summary>
    public const string DefaultRule = Variable + ", else gpu where CUDA is, else cpu";

    /// <summary>The profile of that name, or null (a checkpoint's "custom" settings).</summary>
    public static Profile? Find(string? name) => All.FirstOrDefault(p => p.Name == name);

    /// <summary>The profile a checkpoint recorded, for the defaults of the steps that read it; settings trained under
    /// no profile ("custom") get cpu's.</summary>
    public static Profile Recorded(string? name) => Find(name) ?? Cpu;

    /// <summary>The profile named <paramref name="name"/>, else a <see cref="ProfileException"/> listing
    /// them.</summary>
    public static Profile Parse(string name) =>
        Find(name) ?? throw new ProfileException($"profile '{name}': use {Help}");

    /// <summary>The profile a run gets: the one named, else <see cref="Variable"/>'s, else gpu where CUDA is, else
    /// cpu (<see cref="DefaultRule"/>). CUDA is only asked when nothing is named.</summary>
    public static Profile Resolve(string? named, Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        string? name =
            named is { Length: > 0 } ? named
            : read(Variable) is { Length: > 0 } v ? v
            : null;
        return name is null ? ForMachine(TorchSharp.torch.cuda.is_available()) : Parse(name);
    }

    /// <summary>gpu where CUDA is, else cpu.</summary>
    public static Profile ForMachine(bool cuda) => cuda ? Gpu : Cpu;

    public override string ToString() => Name;
}

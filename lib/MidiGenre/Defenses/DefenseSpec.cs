using MidiGenre.Data;
using MidiGenre.Training;

namespace MidiGenre.Defenses;

/// <summary>How a model is trained against attacks: not at all (the base model), Madry et al.'s PGD, Wong et al.'s
/// fast FGSM, Shafahi et al.'s free replays, Zhang et al.'s TRADES objective, or PGD that plays valid MIDI (the
/// threat model MIDI allows: louder or softer notes).</summary>
public enum DefenseMethod
{
    None,
    Pgd,
    Fast,
    Free,
    Trades,
    PgdMidi,
}

/// <summary>
/// One description of a defense — method, ε, steps, clean/adversarial mix, TRADES β and seed — validated when built
/// and turned into the trainer's hooks in one place (<see cref="Hooks"/>), for the notebooks, `pipeline`, `advtrain`
/// and `bench advtrain` alike. <c>Steps</c> means PGD steps per batch for pgd and trades, the PGD steps of the
/// overfitting guard's check for fast, and the replays m for free; <see cref="DefaultSteps"/> gives each method's
/// default for a profile. <see cref="None"/> is the base model's: no hooks.
/// </summary>
public sealed record DefenseSpec(
    DefenseMethod Method,
    double Eps = Defaults.Eps,
    int Steps = Defaults.PgdSteps,
    double Mix = Defaults.Mix,
    double Beta = Defaults.Beta,
    int Seed = 0
)
{
    /// <summary>The methods that train against attacks, by the names options and checkpoints use.</summary>
    public static readonly IReadOnlyList<string> Methods = ["pgd", "fast", "free", "trades", "pgd-midi"];

    /// <summary>Clean training: the base model.</summary>
    public static readonly DefenseSpec None = new(DefenseMethod.None);

    /// <summary>The method's name as options, logs and checkpoints write it ("pgd").</summary>
    public string Name => NameOf(Method);

    static string NameOf(DefenseMethod m) => m == DefenseMethod.PgdMidi ? "pgd-midi" : m.ToString().ToLowerInvariant();

    // Checked when built and when changed with `with`: a copy can never hold a value the constructor refuses.
    public double Eps
    {
        get;
        init => field = CheckEps(value);
    } = CheckEps(Eps);
    public int Steps
    {
        get;
        init => field = CheckSteps(value);
    } = CheckSteps(Steps);
    public double Mix
    {
        get;
        init => field = CheckMix(value);
    } = CheckMix(Mix);

    static double CheckEps(double eps) =>
        double.IsFinite(eps) && eps >= 0 ? eps : throw new DefenseException($"ε (--eps) {eps}: must be a number ≥ 0");

    static int CheckSteps(int steps) =>
        steps >= 1 ? steps : throw new DefenseException($"--steps {steps}: must be ≥ 1");

    static double CheckMix(double mix) =>
        mix is >= 0 and <= 1
            ? mix
            : throw new DefenseException(
                $"mix (--mix, the share of each batch made adversarial) {mix}: must be between 0 and 1"
            );

    /// <summary>The method named <paramref name="name"/> (one of <see cref="Methods"/>), else a <see
    /// cref="DefenseException"/> that lists them: an unknown name never trains PGD under its own name.</summary>
    public static DefenseMethod Parse(string name) =>
        Methods.Contains(name)
            ? Enum.GetValues<DefenseMethod>().Single(m => NameOf(m) == name)
            : throw new DefenseException($"unknown adversarial-training method '{name}': {string.Join(", ", Methods)}");

    /// <summary>PGD steps in training and in the guard's check: 5 on smoke (seconds), else 10 (PGD-10); free
    /// training's replays m = 4 (Shafahi et al. use 2–10; epochs are divided by m).</summary>
    public static int DefaultSteps(DefenseMethod method, Profile profile) =>
        method == DefenseMethod.Free ? 4 : profile.PgdSteps;

    /// <summary>Adversarial fine-tuning: the defense starts from the base model's weights and trains for
    /// <see cref="FineTuneShare"/> of the base model's epochs, instead of from a fresh initialisation for all of them
    /// (Jeddi et al., 2020, "A simple fine-tuning is all you need"). Off by default: on the cpu run it halved the
    /// training but bought much less robustness than training from scratch (README). The notebooks
    /// (MIDIGENRE_ADV_FINETUNE=1), `pipeline --fine-tune` and `advtrain --from RUN` opt in.</summary>
    public bool FineTune { get; init; }

    /// <summary>The share of the base epochs a fine-tuning defense trains (at least one epoch).</summary>
    public const double FineTuneShare = 0.5;

    /// <summary>Epochs to run for a budget of <paramref name="epochs"/>: half when fine-tuning, and free training
    /// divides them by m.</summary>
    public int EpochsFor(int epochs)
    {
        int budget = FineTune ? Math.Max(1, (int)Math.Ceiling(epochs * FineTuneShare)) : epochs;
        return Method is DefenseMethod.Free ? Adversarial.EpochsFor(budget) : budget;
    }

    /// <summary>What a checkpoint records of the defense; null for the base model.</summary>
    public DefenseSettings? Settings =>
        Method switch
        {
            DefenseMethod.None => null,
            DefenseMethod.Trades => Objective.Settings,
            _ => Adversarial.Settings,
        };

    AdversarialTraining Adversarial => new(Eps, Steps, Mix, Seed, Name);
    Trades Objective => new(Eps, Steps, Beta, Seed);

    /// <summary>The trainer's hooks (null for <see cref="None"/>); <paramref name="validation"/> feeds the robust
    /// accuracy every adversarial run records per epoch, which the fast method's overfitting guard judges.</summary>
    public TrainingHooks? Hooks(SegmentDataset validation)
    {
        if (Method == DefenseMethod.None)
            return null;
        var robust = new RobustValidation(validation, Eps, seed: Seed);
        if (Method == DefenseMethod.Trades)
        {
            var trades = Objective;
            return new TrainingHooks(trades.Settings)
            {
                Objective = trades.Objective,
                RobustValidation = robust.Measure,
            };
        }
        var adv = Adversarial;
        var guard = Method == DefenseMethod.Fast ? new OverfittingGuard() : null;
        return new TrainingHooks(adv.Settings)
        {
            BatchTransform = adv.Transform,
            Replays = adv.Replays,
            AfterBackward = adv.AfterBackward,
            RobustValidation = robust.Measure,
            StopCheck = guard == null ? null : guard.Check,
        };
    }

    /// <summary>For log lines: "pgd, ε=0.05, mix 0.5, 10 steps".</summary>
    public override string ToString() =>
        Method switch
        {
            DefenseMethod.None => "none (clean training)",
            DefenseMethod.Trades => $"trades, ε={Eps}, β={Beta}, {Steps} steps{Start}",
            _ => $"{Name}, ε={Eps}, mix {Mix}, "
                + $"{(Method == DefenseMethod.Free ? $"m = {Steps}" : $"{Steps} steps")}{Start}",
        };

    string Start => FineTune ? ", fine-tuned from the base model" : "";
}

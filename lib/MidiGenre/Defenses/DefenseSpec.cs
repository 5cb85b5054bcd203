using MidiGenre.Data;
using MidiGenre.Training;

namespace MidiGenre.Defenses;

/// <summary>
/// One description of a defense — method, ε, steps, clean/adversarial mix, TRADES β and seed — validated when built
/// and turned into the trainer's hooks in one place (<see cref="Hooks"/>), for the notebooks, `pipeline`, `advtrain`
/// and `bench advtrain` alike. <c>Steps</c> means PGD steps per batch for pgd and trades, the PGD steps of the
/// overfitting guard's check for fast, and the replays m for free; <see cref="DefaultSteps"/> gives each method's
/// default for a profile.
/// </summary>
public sealed record DefenseSpec(
    string Method,
    double Eps = 0.05,
    int Steps = 10,
    double Mix = 0.5,
    double Beta = 6.0,
    int Seed = 0
)
{
    public static readonly IReadOnlyList<string> Methods = [.. AdversarialTraining.Methods, "trades"];

    public string Method { get; init; } = CheckMethod(Method);
    public double Eps { get; init; } =
        double.IsFinite(Eps) && Eps >= 0 ? Eps : throw new DefenseException($"ε (--eps) {Eps}: must be a number ≥ 0");
    public int Steps { get; init; } = Steps >= 1 ? Steps : throw new DefenseException($"--steps {Steps}: must be ≥ 1");
    public double Mix { get; init; } =
        Mix is >= 0 and <= 1
            ? Mix
            : throw new DefenseException(
                $"mix (--mix, the share of each batch made adversarial) {Mix}: must be between 0 and 1"
            );

    /// <summary>Returns <paramref name="method"/> if it is one of <see cref="Methods"/>, else throws a
    /// <see cref="DefenseException"/> that lists them.</summary>
    public static string CheckMethod(string method) =>
        Methods.Contains(method)
            ? method
            : throw new DefenseException(
                $"unknown adversarial-training method '{method}': {string.Join(", ", Methods)}"
            );

    /// <summary>PGD steps in training and in the guard's check: 5 on smoke (seconds), else 10 (PGD-10); free
    /// training's replays m = 4 (Shafahi et al. use 2–10; epochs are divided by m).</summary>
    public static int DefaultSteps(string method, string profile) =>
        method == "free" ? 4
        : profile == "smoke" ? 5
        : 10;

    /// <summary>Epochs to run for a budget of <paramref name="epochs"/> (free training divides them by m).</summary>
    public int EpochsFor(int epochs) => Method == "trades" ? epochs : Adversarial.EpochsFor(epochs);

    public DefenseSettings Settings => Method == "trades" ? Objective.Settings : Adversarial.Settings;

    AdversarialTraining Adversarial => new(Eps, Steps, Mix, Seed, Method);
    Trades Objective => new(Eps, Steps, Beta, Seed);

    /// <summary>The trainer's hooks; <paramref name="validation"/> feeds the fast method's overfitting guard.</summary>
    public TrainingHooks Hooks(SegmentDataset validation)
    {
        if (Method == "trades")
        {
            var trades = Objective;
            return new TrainingHooks(trades.Settings) { Objective = trades.Objective };
        }
        var adv = Adversarial;
        var guard = Method == "fast" ? new OverfittingGuard(validation, Eps, Steps, seed: Seed) : null;
        return new TrainingHooks(adv.Settings)
        {
            BatchTransform = adv.Transform,
            Replays = adv.Replays,
            AfterBackward = adv.AfterBackward,
            StopCheck = guard == null ? null : guard.Check,
        };
    }

    /// <summary>For log lines: "pgd, ε=0.05, mix 0.5, 10 steps".</summary>
    public override string ToString() =>
        Method == "trades"
            ? $"trades, ε={Eps}, β={Beta}, {Steps} steps"
            : $"{Method}, ε={Eps}, mix {Mix}, {(Method == "free" ? $"m = {Steps}" : $"{Steps} steps")}";
}

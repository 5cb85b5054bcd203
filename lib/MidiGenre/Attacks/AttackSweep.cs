using System.Globalization;
using MidiGenre.Data;
using MidiGenre.Evaluation;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>Attacks run at several budgets each, checked when built: an unknown name, a budget an attack cannot take
/// or a targeted mode it lacks is an <see cref="AttackBudgetException"/> before any work. A budget of 0 is not
/// attacked (its figures are the clean ones); DeepFool takes no budget and runs once.</summary>
public sealed record AttackSweepSpec
{
    public AttackSweepSpec(
        IReadOnlyList<string> attacks,
        IReadOnlyList<double> budgets,
        int steps,
        int seed,
        bool targeted = false
    )
    {
        if (attacks.Count == 0)
            throw new AttackBudgetException("no attack to run: name at least one");
        if (steps < 1)
            throw new AttackBudgetException($"PGD steps must be ≥ 1, not {steps}");
        if (budgets.Count == 0 && attacks.Any(a => a != "deepfool"))
            throw new AttackBudgetException("no budget to attack at: give at least one (0 = the clean figures)");
        foreach (var a in attacks)
        foreach (var b in a == "deepfool" ? [0] : budgets)
            AttackFactory.Validate(a, b, targeted);
        (Attacks, Budgets, Steps, Seed, Targeted) = (attacks.ToArray(), budgets.ToArray(), steps, seed, targeted);
    }

    public IReadOnlyList<string> Attacks { get; }
    public IReadOnlyList<double> Budgets { get; }
    public int Steps { get; }
    public int Seed { get; }
    public bool Targeted { get; }

    /// <summary>Every (attack, budget) of the sweep, in order: each attack over all budgets.</summary>
    public IEnumerable<Attack> Each() =>
        Attacks.SelectMany(a =>
            a == "deepfool"
                ? [AttackFactory.Create(a, 0, Steps, Seed, Targeted)]
                : Budgets.Select(b => AttackFactory.Create(a, b, Steps, Seed, Targeted))
        );

    /// <summary>"fgsm, pgd at 0, 0.02, 0.05 (10 steps)" for logs.</summary>
    public override string ToString() =>
        $"{string.Join(", ", Attacks)} at "
        + string.Join(", ", Budgets.Select(b => b.ToString("0.###", CultureInfo.InvariantCulture)))
        + $" ({Steps} steps{(Targeted ? ", targeted" : "")})";
}

/// <summary>Original/adversarial MIDI pairs to save: <see cref="Count"/> per budget into <see cref="Dir"/>, at every
/// budget or only at <see cref="OnlyAt"/>.</summary>
public sealed record MidiExamples(string Dir, int Count = 3, double? OnlyAt = null)
{
    public bool At(double? budget) =>
        Count > 0 && (OnlyAt is not double only || budget is double b && Math.Abs(b - only) <= 1e-9);
}

/// <summary>What `attack` and the notebooks' sweep write: the results and what they were measured on.</summary>
public sealed record AttackSweepFile(
    string Split,
    string Dataset,
    CheckpointChoice? Checkpoint,
    IReadOnlyList<string> Classes,
    List<AttackResult> Results
)
{
    /// <summary>The sweep's sanity checks (<see cref="SanityChecks"/>); empty when none were run.</summary>
    public IReadOnlyList<SanityCheck> Sanity { get; init; } = [];

    /// <summary>What produced the file (data, seed, weights, sweep); null in files written before it was
    /// recorded.</summary>
    public Common.ResultStamp? Stamp { get; init; }

    public static AttackSweepFile Read(string path) => JsonFiles.Read<AttackSweepFile>(path);

    /// <summary>Writes <paramref name="jsonPath"/> and, beside it, the same rows as CSV.</summary>
    public void Write(string jsonPath)
    {
        JsonFiles.Write(jsonPath, this);
        AttackCsv.Write(Path.ChangeExtension(jsonPath, ".csv"), Results, Split);
    }
}

/// <summary>Runs an <see cref="AttackSweepSpec"/> on one dataset: one <see cref="AttackEvaluator"/> run per (attack,
/// budget), the clean predictions computed once for all of them.</summary>
public static class AttackSweep
{
    public static List<AttackResult> Run(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        AttackSweepSpec spec,
        MidiExamples? examples = null,
        Action<AttackResult>? onResult = null,
        Func<Attack, Func<Action<int>, AttackResult>, AttackResult>? withProgress = null,
        TransferSource? source = null
    )
    {
        var results = new List<AttackResult>();
        foreach (var attack in spec.Each())
        {
            bool save = examples?.At(attack.Budget) == true;
            AttackResult Once(Action<int>? step) =>
                AttackEvaluator.Run(
                    model,
                    data,
                    classes,
                    attack,
                    0,
                    save ? examples!.Dir : null,
                    examples?.Count ?? 0,
                    step,
                    source
                );
            var r = withProgress is null ? Once(null) : withProgress(attack, step => Once(step));
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    /// <summary>The one sequence of `attack` and the notebooks' sweep: <see cref="Run"/>, then (unless
    /// <paramref name="sanity"/> is false, or the examples were crafted on another model) its
    /// <see cref="SanityChecks"/>, each reported through <paramref name="onCheck"/>.</summary>
    public static (List<AttackResult> Results, IReadOnlyList<SanityCheck> Checks) RunChecked(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        AttackSweepSpec spec,
        MidiExamples? examples = null,
        Action<AttackResult>? onResult = null,
        Func<Attack, Func<Action<int>, AttackResult>, AttackResult>? withProgress = null,
        TransferSource? source = null,
        bool sanity = true,
        Action<SanityCheck>? onCheck = null
    )
    {
        var results = Run(model, data, classes, spec, examples, onResult, withProgress, source);
        IReadOnlyList<SanityCheck> checks =
            sanity && source is null ? SanityChecks.Run(model, data, classes, spec, results) : [];
        foreach (var c in checks)
            onCheck?.Invoke(c);
        return (results, checks);
    }
}

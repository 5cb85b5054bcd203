namespace MidiGenre.Attacks;

/// <summary>Attacks by name. <c>budget</c> is in each attack's own unit (<see cref="Attack.BudgetUnit"/>): ε in
/// normalised velocity for fgsm, pgd, apgd-ce, apgd-dlr, square, autoattack-cheap, autoattack-standard, pgd-midi,
/// velocity; the L2 radius for
/// pgd-l2; notes per column for the insertion attacks (column, chord, melody); a probability per column for random;
/// DeepFool takes none. PGD-style attacks step α = 2.5 ε / steps (Madry et al.); APGD needs no step size;
/// <c>steps</c> is also APGD's iterations and a fifth of Square's queries; the cheap AutoAttack's APGDs take twice
/// <c>steps</c>, the standard one its published settings whatever <c>steps</c> (<see cref="AutoAttack"/>).</summary>
public static class AttackFactory
{
    public static readonly IReadOnlyList<string> Names =
    [
        "fgsm",
        "pgd",
        "pgd-l2",
        "apgd-ce",
        "apgd-dlr",
        "square",
        AutoAttack.CheapName,
        AutoAttack.StandardName,
        "pgd-midi",
        "deepfool",
        "random",
        "velocity",
        "column",
        "chord",
        "melody",
    ];

    /// <summary>Attacks with a targeted mode, as each attack declares it (<see cref="Attack.HasTargetedMode"/>):
    /// those that follow a loss towards a class (DeepFool and the note attacks do not).</summary>
    public static readonly IReadOnlyList<string> TargetedNames =
    [
        .. Names.Where(n => Create(n, ExampleBudget(n), targetedCheck: false).HasTargetedMode),
    ];

    /// <summary>A budget each attack takes, in its own unit: ε = 0.05, the L2 radius 1, one note per column, a
    /// probability of one half (smoke tests, doctor, examples).</summary>
    public static double ExampleBudget(string name) =>
        name switch
        {
            "pgd-l2" => 1.0,
            "random" => 0.5,
            "column" or "chord" or "melody" => 1,
            _ => Defaults.Eps,
        };

    /// <summary>Fails on an unknown name, a budget the attack cannot take, or targeted mode it lacks — before any
    /// work.</summary>
    public static void Validate(string name, double budget, bool targeted = false) =>
        Validate(name, budget, targeted, targetedCheck: true);

    static void Validate(string name, double budget, bool targeted, bool targetedCheck)
    {
        if (!Names.Contains(name))
            throw new AttackBudgetException($"unknown attack '{name}'; choose one of {string.Join(", ", Names)}");
        if (targetedCheck && targeted && !TargetedNames.Contains(name))
            throw new AttackBudgetException(
                $"{name} has no targeted mode; targeted attacks: {string.Join(", ", TargetedNames)}"
            );
        if (name == "deepfool")
            return; // unbounded: it has no budget to check
        if (!double.IsFinite(budget) || budget < 0)
            throw new AttackBudgetException($"{name}: budget {budget} must be a number ≥ 0");
        if (name is "column" or "chord" or "melody" && budget != Math.Floor(budget))
            throw new AttackBudgetException($"{name}: the budget is a whole number of notes per column, not {budget}");
        if (name == "random" && budget > 1)
            throw new AttackBudgetException($"random: the budget is a probability (0…1), not {budget}");
    }

    public static Attack Create(string name, double budget, int steps = 10, int seed = 0, bool targeted = false) =>
        Create(name, budget, steps, seed, targeted, targetedCheck: true);

    static Attack Create(
        string name,
        double budget,
        int steps = 10,
        int seed = 0,
        bool targeted = false,
        bool targetedCheck = true
    )
    {
        Validate(name, budget, targeted, targetedCheck);
        int pgdSeed = Common.Seeds.Derive(seed, "pgd");
        double alpha = Pgd.DefaultAlpha(budget, steps);
        return name switch
        {
            "fgsm" => new Fgsm(budget) { Targeted = targeted },
            "pgd" => new Pgd(budget, alpha, steps, Norm.LInf, true, pgdSeed) { Targeted = targeted },
            "pgd-l2" => new Pgd(budget, alpha, steps, Norm.L2, true, pgdSeed) { Targeted = targeted },
            "apgd-ce" => new Apgd(budget, steps, ApgdLoss.CrossEntropy, 1, pgdSeed) { Targeted = targeted },
            "apgd-dlr" => new Apgd(budget, steps, ApgdLoss.TargetedDlr, 1, pgdSeed) { Targeted = targeted },
            "square" => new Square(budget, 5 * steps, seed: pgdSeed) { Targeted = targeted },
            AutoAttack.CheapName => AutoAttack.Cheap(budget, steps, pgdSeed, targeted),
            AutoAttack.StandardName => AutoAttack.Standard(budget, pgdSeed, targeted),
            "pgd-midi" => new RealizablePgd(budget, steps, pgdSeed) { Targeted = targeted },
            "velocity" => new VelocityAttack(budget, alpha, steps, pgdSeed) { Targeted = targeted },
            "deepfool" => new DeepFool(),
            "random" => new RandomNoteAttack(rate: budget, seed: Common.Seeds.Derive(seed, "random-notes")),
            "column" => new NoteInsertionAttack(notesPerColumn: (int)budget),
            "chord" => new NoteInsertionAttack(notesPerColumn: (int)budget, rule: InsertionRule.ChordTones),
            _ => new NoteInsertionAttack(notesPerColumn: (int)budget, rule: InsertionRule.BelowMelody),
        };
    }
}

namespace MidiGenre.Attacks;

/// <summary>Attacks by name with the defaults a sweep uses (α = 2.5 ε / steps, as Madry et al.).</summary>
public static class AttackFactory
{
    public static readonly IReadOnlyList<string> Names = ["fgsm", "pgd", "pgd-l2", "deepfool", "random", "velocity", "column", "chord", "melody"];

    public static Attack Create(string name, double eps, int steps = 10, int seed = 0, bool targeted = false) => name switch
    {
        "fgsm" => new Fgsm(eps) { Targeted = targeted },
        "pgd" => new Pgd(eps, 2.5 * eps / steps, steps, Norm.LInf, true, seed) { Targeted = targeted },
        "pgd-l2" => new Pgd(eps, 2.5 * eps / steps, steps, Norm.L2, true, seed) { Targeted = targeted },
        "deepfool" => new DeepFool(),
        "random" => new RandomNoteAttack(rate: Math.Clamp(eps * 10, 0, 1), seed: seed),
        "velocity" => new VelocityAttack(eps, 2.5 * eps / steps, steps, seed),
        "column" => new NoteInsertionAttack(notesPerColumn: Math.Max(1, (int)Math.Round(eps * 20))),
        "chord" => new NoteInsertionAttack(notesPerColumn: Math.Max(1, (int)Math.Round(eps * 20)), rule: InsertionRule.ChordTones),
        "melody" => new NoteInsertionAttack(notesPerColumn: Math.Max(1, (int)Math.Round(eps * 20)), rule: InsertionRule.BelowMelody),
        _ => throw new ArgumentException($"unknown attack '{name}'; choose one of {string.Join(", ", Names)}"),
    };
}

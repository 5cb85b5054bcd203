using MidiGenre.Attacks;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>Attack steps on the test split: the FGSM/PGD sweep, single attacks, base vs retrained robustness.</summary>
public sealed partial class Study
{
    /// <summary>The spec's sweep (FGSM, PGD, AutoAttack and the PGD that plays valid MIDI, over
    /// <see cref="Epsilons"/>) on the test split, and its sanity checks (<see cref="SanityChecks"/>); writes
    /// attacks.json and attacks.csv; saves MIDI pairs at the adversarial-training ε. ε = 0 is not attacked: its
    /// figures are the clean ones.</summary>
    public List<AttackResult> Sweep(nn.Module<Tensor, Tensor> model)
    {
        var (rows, checks) = AttackSweep.RunChecked(
            model,
            TestSet,
            Data.Classes,
            Spec.Sweep,
            new MidiExamples(ExamplesDir, OnlyAt: AdversarialEps),
            r =>
                Say(
                    $"{r.Attack} {r.Budget:0.###} (test): robust {r.SegmentRobustAccuracy:P1} (performance "
                        + $"{r.PerformanceRobustAccuracy:P1}), success {r.SuccessRate:P1}, "
                        + $"realised {r.RealizedSuccessRate:P1}"
                ),
            onCheck: c =>
                Say(c.Passed ? $"sanity check passed: {c.Check}" : $"sanity check failed: {c.Check} ({c.Measured})")
        );
        new AttackSweepFile(ReportSplit, Source.Name, ChoiceOf(BaseDir), Data.Classes, rows)
        {
            Sanity = checks,
            Stamp = SweepStamp,
        }.Write(AttacksPath);
        return rows;
    }

    /// <summary>The sweep as 04-attacks-fgsm-pgd wrote it, with its sanity checks; refused when it was written for
    /// another data, seed, checkpoint or sweep (<see cref="ResultStamp"/>).</summary>
    public AttackSweepFile ReadSweepFile()
    {
        const string producer = "the attack sweep (04-attacks-fgsm-pgd)";
        var file = AttackSweepFile.Read(Require(AttacksPath, producer));
        ResultStamp.Check(file.Stamp, SweepStamp, AttacksPath, producer);
        return file;
    }

    /// <summary>One attack on the test split; its budget is the attack's own.</summary>
    public AttackResult RunAttack(nn.Module<Tensor, Tensor> model, Attack attack, string? saveMidiDir = null) =>
        AttackEvaluator.Run(model, TestSet, Data.Classes, attack, saveMidiDir: saveMidiDir);

    public List<AttackResult> ReadSweep() => ReadSweepFile().Results;

    /// <summary>An attack by name at <paramref name="budget"/> with the run's steps and seed, through the one
    /// factory the CLI uses: `midigenre attack --attack NAME --eps BUDGET --steps <see cref="PgdSteps"/> --seed
    /// <see cref="Seed"/>` gives the same numbers.</summary>
    public Attack CreateAttack(string name, double budget) => AttackFactory.Create(name, budget, PgdSteps, Seed);

    /// <summary>The musical attacks of 06-musical-attacks and their budgets: velocities within ε = 0.1, one note per
    /// column (anywhere, chord tones, below the melody) and a random note in every column.</summary>
    public static readonly IReadOnlyList<(string Name, double Budget)> MusicalAttacks =
    [
        ("velocity", 0.1),
        ("column", 1),
        ("chord", 1),
        ("melody", 1),
        ("random", 1.0),
    ];

    /// <summary>The white-box row of <paramref name="attack"/> at the defense's ε (budgets compared as
    /// <see cref="RunSpec.SameBudget"/> does; the spec guarantees the sweep has it).</summary>
    public AttackResult AtDefenseEps(IEnumerable<AttackResult> rows, string attack) =>
        rows.Single(r =>
            r.Attack == attack && r.SourceModel == null && r.Eps is double e && RunSpec.SameBudget(e, AdversarialEps)
        );

    /// <summary>PGD at every ε of the sweep on <paramref name="model"/> (test split), reusing the rows of
    /// <paramref name="known"/> measured on the same model with the same attack (the comparison's PGD at the defense's
    /// ε), so nothing is attacked twice.</summary>
    public List<AttackResult> PgdCurve(nn.Module<Tensor, Tensor> model, IEnumerable<AttackResult> known)
    {
        var rows = known.ToList();
        return [.. Epsilons.Select(e => Measured(rows, "pgd", e) ?? RunAttack(model, CreateAttack("pgd", e)))];
    }

    /// <summary>Each of <see cref="MusicalAttacks"/> on the test split.</summary>
    public List<AttackResult> RunMusicalAttacks(nn.Module<Tensor, Tensor> model) =>
        [.. MusicalAttacks.Select(a => RunAttack(model, CreateAttack(a.Name, a.Budget)))];

    /// <summary>PGD at the defense's ε, step by step, on the first 32 test segments: the loss it climbs and the share
    /// still correct after each step (<see cref="PgdTrace"/>).</summary>
    public PgdTraceResult TracePgd(nn.Module<Tensor, Tensor> model) =>
        PgdTrace.Run(model, TestSet, AdversarialEps, PgdSteps, Seed);

    /// <summary>Attacks compared on the base and the retrained model: PGD (what the defense trained against), the
    /// AutoAttack ensemble (the worst case a reviewer asks for) and the PGD that plays valid MIDI.</summary>
    public static readonly IReadOnlyList<string> ComparedAttacks = ["pgd", AutoAttack.CheapName, "pgd-midi"];

    /// <summary><paramref name="model"/> (called <paramref name="label"/> in the log) under each of <see
    /// cref="ComparedAttacks"/> at the defense's ε on the test split.</summary>
    List<AttackResult> UnderComparedAttacks(nn.Module<Tensor, Tensor> model, string label) =>
        [.. ComparedAttacks.Select(n => AttackAtDefenseEps(model, label, n))];

    /// <summary>The white-box row of <paramref name="attack"/> at <paramref name="budget"/> among <paramref
    /// name="rows"/> that the attack <see cref="CreateAttack"/> builds now would give (same configuration), or
    /// null.</summary>
    AttackResult? Measured(IEnumerable<AttackResult> rows, string attack, double budget)
    {
        var now = CreateAttack(attack, budget);
        return rows.FirstOrDefault(r =>
            r.Attack == attack
            && r.SourceModel == null
            && r.Eps is double b
            && RunSpec.SameBudget(b, budget)
            && now.Made(r.Configuration)
        );
    }

    /// <summary>The sweep's rows of the base model at the defense's ε, by attack, for each of <see
    /// cref="ComparedAttacks"/> the sweep ran with the configuration <see cref="CreateAttack"/> gives now; empty when
    /// attacks.json is missing or was written for another base model, data, seed or sweep.</summary>
    Dictionary<string, AttackResult> SweptAtDefenseEps()
    {
        if (!File.Exists(AttacksPath))
            return [];
        List<AttackResult> rows;
        try
        {
            rows = ReadSweepFile().Results;
        }
        catch (StaleResultException e)
        {
            Say($"not reusing {AttacksPath}: {e.Message}");
            return [];
        }
        var reused = new Dictionary<string, AttackResult>();
        foreach (string n in ComparedAttacks)
            if (Measured(rows, n, AdversarialEps) is { } row)
                reused[n] = row;
        if (reused.Count > 0)
            Say($"{string.Join(", ", reused.Keys)} ε={AdversarialEps} on the base model: reused from {AttacksPath}");
        return reused;
    }

    /// <summary>One attack at the defense's ε from the factory (white-box, or crafted on <paramref
    /// name="source"/>).</summary>
    AttackResult AttackAtDefenseEps(
        nn.Module<Tensor, Tensor> model,
        string label,
        string attack,
        TransferSource? source = null
    )
    {
        Say(
            $"{attack} ε={AdversarialEps} on the {label} model"
                + (source is null ? "" : $", crafted on the {source.Name} model")
                + " (test)…"
        );
        return AttackEvaluator.Run(model, TestSet, Data.Classes, CreateAttack(attack, AdversarialEps), source: source);
    }

    /// <summary>Clean and robust accuracy (test split) of the base and the retrained model at the same ε under each of
    /// <see cref="ComparedAttacks"/>, and PGD crafted on one model and played to the other (transfer); writes
    /// robustness.json. <paramref name="baseModel"/> is the study's base model (<c>Load(BaseDir)</c>): its rows come
    /// from the sweep when attacks.json is current for it.</summary>
    public AdversarialTrainingFigures CompareRobustness(
        nn.Module<Tensor, Tensor> baseModel,
        nn.Module<Tensor, Tensor> retrained
    )
    {
        // Long by design: the two models go through the same attacks, then one record and one file.
        // The base model at the defense's ε is what the sweep (04) measured: reused when current, never attacked twice.
        var swept = SweptAtDefenseEps();
        var before = ComparedAttacks
            .Select(n => swept.GetValueOrDefault(n) ?? AttackAtDefenseEps(baseModel, "base", n))
            .ToList();
        var after = UnderComparedAttacks(retrained, "retrained");
        var transfer = new List<AttackResult>
        {
            AttackAtDefenseEps(retrained, "retrained", "pgd", new TransferSource(baseModel, "base")),
            AttackAtDefenseEps(baseModel, "base", "pgd", new TransferSource(retrained, "retrained")),
        };
        var (pgdBefore, pgdAfter) = (before[0], after[0]);
        var figures = new AdversarialTrainingFigures(
            "pgd",
            AdversarialEps,
            AdversarialMix,
            new RobustFigures(
                pgdBefore.CleanAccuracy,
                pgdBefore.SegmentRobustAccuracy,
                pgdBefore.PerformanceRobustAccuracy
            ),
            new RobustFigures(
                pgdAfter.CleanAccuracy,
                pgdAfter.SegmentRobustAccuracy,
                pgdAfter.PerformanceRobustAccuracy
            )
        )
        {
            Method = AdversarialMethod,
            RealizedBase = pgdBefore.RealizedSegmentAccuracy,
            RealizedRetrained = pgdAfter.RealizedSegmentAccuracy,
            BaseAttacks = before,
            RetrainedAttacks = after,
            Transfer = transfer,
            Stamp = RobustnessStamp,
        };
        Directory.CreateDirectory(AdvDir);
        JsonFiles.Write(RobustnessPath, figures);
        Say(
            $"ε={AdversarialEps} (test): base robust PGD {pgdBefore.SegmentRobustAccuracy:P1} / AutoAttack "
                + $"{before[1].SegmentRobustAccuracy:P1} → retrained {pgdAfter.SegmentRobustAccuracy:P1} / "
                + $"{after[1].SegmentRobustAccuracy:P1} (clean {pgdBefore.CleanAccuracy:P1} → "
                + $"{pgdAfter.CleanAccuracy:P1})"
        );
        return figures;
    }
}

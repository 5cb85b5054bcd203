using MidiGenre.Attacks;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>Attack steps on the test split: the FGSM/PGD sweep, single attacks, base vs retrained robustness.</summary>
public sealed partial class Study
{
    /// <summary>The spec's sweep (FGSM and PGD over <see cref="Epsilons"/>) on the test split; writes attacks.json
    /// and attacks.csv; saves MIDI pairs at the adversarial-training ε. ε = 0 is not attacked: its figures are the
    /// clean ones.</summary>
    public List<AttackResult> Sweep(nn.Module<Tensor, Tensor> model)
    {
        var rows = AttackSweep.Run(
            model,
            TestSet,
            Data.Classes,
            Spec.Sweep,
            new MidiExamples(ExamplesDir, OnlyAt: AdversarialEps),
            r =>
                Say(
                    $"{r.Attack} {r.Budget:0.###} (test): robust {r.SegmentRobustAccuracy:P1} (piece "
                        + $"{r.PieceRobustAccuracy:P1}), success {r.SuccessRate:P1}, "
                        + $"realised {r.RealizedSuccessRate:P1}"
                )
        );
        new AttackSweepFile(ReportSplit, Source.Name, ChoiceOf(BaseDir), Data.Classes, rows).Write(AttacksPath);
        return rows;
    }

    /// <summary>One attack on the test split; its budget is the attack's own.</summary>
    public AttackResult RunAttack(nn.Module<Tensor, Tensor> model, Attack attack, string? saveMidiDir = null) =>
        AttackEvaluator.Run(model, TestSet, Data.Classes, attack, 16, saveMidiDir);

    public List<AttackResult> ReadSweep() =>
        AttackSweepFile.Read(Require(AttacksPath, "the attack sweep (04-attacks-fgsm-pgd)")).Results;

    /// <summary>Clean and PGD-robust accuracy (test split) of the base and the retrained model at the same ε; writes
    /// robustness.json.</summary>
    public AdversarialTrainingFigures CompareRobustness(
        nn.Module<Tensor, Tensor> baseModel,
        nn.Module<Tensor, Tensor> retrained
    )
    {
        // Long by design: the two models go through the same attack, then one record and one file.
        var pgd = AttackFactory.Create("pgd", AdversarialEps, PgdSteps, Seed);
        var before = RunAttack(baseModel, pgd);
        var after = RunAttack(retrained, pgd);
        var figures = new AdversarialTrainingFigures(
            "pgd",
            AdversarialEps,
            AdversarialMix,
            new RobustFigures(before.CleanAccuracy, before.SegmentRobustAccuracy, before.PieceRobustAccuracy),
            new RobustFigures(after.CleanAccuracy, after.SegmentRobustAccuracy, after.PieceRobustAccuracy)
        )
        {
            Method = AdversarialMethod,
            RealizedBase = before.RealizedSegmentAccuracy,
            RealizedRetrained = after.RealizedSegmentAccuracy,
        };
        Directory.CreateDirectory(AdvDir);
        JsonFiles.Write(RobustnessPath, figures);
        Say(
            $"PGD ε={AdversarialEps} (test): base robust {before.SegmentRobustAccuracy:P1} → retrained "
                + $"{after.SegmentRobustAccuracy:P1} "
                + $"(clean {before.CleanAccuracy:P1} → {after.CleanAccuracy:P1})"
        );
        return figures;
    }
}

using System.Globalization;
using MidiGenre.Data;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>One check of an attack sweep: what was expected, whether it held, and the figures it rests on.</summary>
public sealed record SanityCheck(string Check, bool Passed, string Measured);

/// <summary>
/// The checks "On Evaluating Adversarial Robustness" (Carlini et al., 2019) asks of every robustness figure, run with
/// each sweep on the same segments. An evaluation that fails one is measuring its attack, not the model:
/// <list type="bullet">
/// <item>every attack raises the loss it ascends (mean cross-entropy of the true class, adversarial above
/// clean);</item>
/// <item>with an unbounded budget (PGD at ε = 1: any cell anywhere in its range) robust accuracy falls to chance or
/// below;</item>
/// <item>more steps do not help the model: PGD with twice the steps is not more than noise above PGD, at the budget
/// where PGD left the most segments standing;</item>
/// <item>the AutoAttack ensemble is not more than noise above PGD at any budget both ran.</item>
/// </list>
/// Noise is two binomial standard errors of a robust accuracy over the segments, plus one segment.
/// </summary>
public static class SanityChecks
{
    public static List<SanityCheck> Run(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        AttackSweepSpec spec,
        IReadOnlyList<AttackResult> rows
    )
    {
        var inv = CultureInfo.InvariantCulture;
        string P(double v) => v.ToString("P1", inv);
        double Noise(double p) => 2 * Math.Sqrt(p * (1 - p) / Math.Max(1, data.Count)) + 1.0 / Math.Max(1, data.Count);
        // The checks' own attacks are the sweep's kind: in a targeted sweep they aim at the same targets, so each row
        // is compared with its like (an untargeted PGD-20 says nothing about a targeted PGD-10).
        AttackResult Attack(string name, double eps, int steps) =>
            AttackEvaluator.Run(model, data, classes, AttackFactory.Create(name, eps, steps, spec.Seed, spec.Targeted));
        string kind = spec.Targeted ? "targeted " : "";
        var checks = new List<SanityCheck>();
        foreach (var r in rows.Where(r => r.Budget > 0 && r.Eps != null && r.SourceModel == null))
            checks.Add(
                new(
                    $"{r.Attack} at ε = {r.Budget?.ToString("0.###", inv)} raises the loss",
                    r.AdversarialLoss > r.CleanLoss,
                    $"mean cross-entropy {r.CleanLoss:F3} → {r.AdversarialLoss:F3}"
                )
            );
        double chance = 1.0 / Math.Max(1, classes.Count);
        var unbounded = Attack("pgd", 1, spec.Steps);
        checks.Add(
            new(
                $"unbounded {kind}PGD (ε = 1) brings robust accuracy to chance or below",
                unbounded.SegmentRobustAccuracy <= chance + Noise(chance),
                $"robust {P(unbounded.SegmentRobustAccuracy)}, chance {P(chance)}"
            )
        );
        var pgdRows = rows.Where(r => r.Attack == "pgd" && r.Budget > 0 && r.SourceModel == null).ToList();
        // Where PGD left the most segments standing (the smallest such budget): there more steps have the most
        // room to show that PGD stopped short.
        double top =
            pgdRows.Count > 0
                ? pgdRows.OrderByDescending(r => r.SegmentRobustAccuracy).ThenBy(r => r.Budget).First().Budget!.Value
                : spec.Budgets.Where(b => b > 0).DefaultIfEmpty(Defaults.Eps).Min();
        if (top > 0)
        {
            var pgd = pgdRows.FirstOrDefault(r => r.Budget == top) ?? Attack("pgd", top, spec.Steps);
            var longer = Attack("pgd", top, 2 * spec.Steps);
            checks.Add(
                new(
                    $"{kind}PGD with {2 * spec.Steps} steps is not above {kind}PGD-{spec.Steps} at ε = "
                        + top.ToString("0.###", inv),
                    longer.SegmentRobustAccuracy <= pgd.SegmentRobustAccuracy + Noise(pgd.SegmentRobustAccuracy),
                    $"robust {P(longer.SegmentRobustAccuracy)} vs {P(pgd.SegmentRobustAccuracy)}"
                )
            );
        }
        foreach (
            var auto in rows.Where(r =>
                r.Attack is AutoAttack.CheapName or AutoAttack.StandardName && r.SourceModel == null
            )
        )
            if (pgdRows.FirstOrDefault(r => r.Budget == auto.Budget) is { } pgd)
                checks.Add(
                    new(
                        $"{kind}AutoAttack is not above {kind}PGD at ε = {auto.Budget?.ToString("0.###", inv)}",
                        auto.SegmentRobustAccuracy <= pgd.SegmentRobustAccuracy + Noise(pgd.SegmentRobustAccuracy),
                        $"robust {P(auto.SegmentRobustAccuracy)} vs {P(pgd.SegmentRobustAccuracy)}"
                    )
                );
        return checks;
    }
}

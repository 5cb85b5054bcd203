using MidiGenre.Data;
using MidiGenre.Evaluation;

namespace MidiGenre.Attacks;

/// <summary>Turns an <see cref="AttackOutcome"/> into the figures of an <see cref="AttackResult"/>.</summary>
static class AttackScoring
{
    public static AttackResult Score(
        Attack attack,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        CleanReference reference,
        AttackOutcome o,
        double seconds
    )
    {
        // Long by design: one result row, every figure computed from the same predictions in one place.
        int n = data.Count,
            k = classes.Count;
        int Truth(int s) => data.Pieces[data.Segments[s].Piece].Label;
        int Pred(float[] p) => SegmentPredictions.ArgMax(p);
        double Acc(float[][] p) => Enumerable.Range(0, n).Count(s => Pred(p[s]) == Truth(s)) / (double)Math.Max(1, n);
        // Robust accuracy, one definition (AutoAttack's): right before the attack and still right under it, so a
        // segment the attack happens to "fix" never counts and robust accuracy never exceeds clean accuracy.
        double Robust(float[][] before, float[][] after) =>
            Enumerable.Range(0, n).Count(s => Pred(before[s]) == Truth(s) && Pred(after[s]) == Truth(s))
            / (double)Math.Max(1, n);
        double PerformanceRobust(float[][] before, float[][] after)
        {
            var right = Evaluator.Score(new SegmentPredictions(data, before), classes).Performances;
            var under = Evaluator.Score(new SegmentPredictions(data, after), classes).Performances;
            return right.Count == 0
                ? 0
                : right.Zip(under).Count(p => p.First.Predicted == p.First.Truth && p.Second.Predicted == p.First.Truth)
                    / (double)right.Count;
        }
        // Rates over the segments the model got right before the attack.
        double Rate(float[][] before, float[][] after, Func<int, int, bool> success)
        {
            var correct = Enumerable.Range(0, n).Where(s => Pred(before[s]) == Truth(s)).ToList();
            return correct.Count == 0
                ? double.NaN
                : correct.Count(s => success(s, Pred(after[s]))) / (double)correct.Count;
        }
        bool Left(int s, int pred) => pred != Truth(s);
        bool Hit(int s, int pred) => pred == Attack.TargetOf(Truth(s), k);
        double? Targeted(float[][] before, float[][] after) => attack.Targeted ? Rate(before, after, Hit) : null;

        var confusion = new int[k][];
        for (int i = 0; i < k; i++)
            confusion[i] = new int[k];
        for (int s = 0; s < n; s++)
            confusion[Truth(s)][Pred(o.Adversarial[s])]++;
        var perClass = Enumerable
            .Range(0, k)
            .Select(c =>
            {
                var correct = Enumerable
                    .Range(0, n)
                    .Where(s => Truth(s) == c && Pred(reference.Probabilities[s]) == c)
                    .ToList();
                return correct.Count == 0
                    ? double.NaN
                    : correct.Count(s => Pred(o.Adversarial[s]) != c) / (double)correct.Count;
            })
            .ToArray();
        return new AttackResult(
            attack.Name,
            attack.Budget,
            attack.BudgetUnit,
            attack.Targeted,
            n,
            Acc(reference.Probabilities),
            Robust(reference.Probabilities, o.Adversarial),
            PerformanceRobust(reference.Probabilities, o.Adversarial),
            Rate(reference.Probabilities, o.Adversarial, Left),
            Targeted(reference.Probabilities, o.Adversarial),
            Robust(reference.RealizedProbabilities, o.Realized),
            PerformanceRobust(reference.RealizedProbabilities, o.Realized),
            Rate(reference.RealizedProbabilities, o.Realized, Left),
            Targeted(reference.RealizedProbabilities, o.Realized),
            Size(o),
            confusion,
            perClass,
            seconds / Math.Max(1, n)
        )
        {
            Configuration = attack.Configuration,
            CleanLoss = MeanLoss(reference.Probabilities),
            AdversarialLoss = MeanLoss(o.Adversarial),
        };
        double MeanLoss(float[][] p) =>
            n == 0 ? double.NaN : Enumerable.Range(0, n).Average(s => -Math.Log(Math.Max(p[s][Truth(s)], 1e-12)));
    }

    static PerturbationSize Size(AttackOutcome o)
    {
        int n = o.Diffs.Length;
        double Mean(Func<RollDiff, double> f) => n == 0 ? 0 : o.Diffs.Average(f);
        long cells = o.Diffs.Sum(d => d.Cells);
        return new PerturbationSize(
            Mean(d => d.Added),
            Mean(d => d.Removed),
            cells == 0 ? 0 : o.Diffs.Sum(d => d.AbsDv) / (double)cells,
            Median(o.Diffs.Select(d => d.MeanAbsDv)),
            n == 0 ? 0 : o.Diffs.Max(d => d.MaxDv),
            n == 0 ? 0 : o.L2.Average(),
            Median(o.L2)
        );
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0
            : v.Length % 2 == 1 ? v[v.Length / 2]
            : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}

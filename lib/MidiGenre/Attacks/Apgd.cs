using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>The loss APGD ascends.</summary>
public enum ApgdLoss
{
    /// <summary>Cross-entropy with the true class (APGD-CE).</summary>
    CrossEntropy,

    /// <summary>Targeted difference of logits ratio (APGD-T): −(z_y − z_t) / (z_π1 − (z_π3 + z_π4) / 2), with t one
    /// of the classes the clean segment scores highest after its true class; invariant to the logits' scale, so a
    /// model that saturates its softmax cannot hide its gradient.</summary>
    TargetedDlr,
}

/// <summary>
/// Auto-PGD (Croce &amp; Hein, ICML 2020), L∞ in normalised units: PGD without a step size to tune. It starts at a
/// random point of the ε-ball with step 2ε, adds momentum (α = 0.75), and at checkpoints (22 %, then ever closer,
/// never under 6 % of the steps apart) halves a segment's step and returns it to its best point when fewer than 75 %
/// of the steps since the last checkpoint raised its loss, or when its step was not halved last time and its best
/// loss has not moved since. Each restart (for APGD-T: each target class) attacks only the segments not fooled yet;
/// a segment ends at the first point that fooled it, else at its highest-loss point. Everything stays on the model's
/// device: the step rule is tensor arithmetic, no per-step read-back.
/// </summary>
public sealed class Apgd(
    double eps,
    int steps = 10,
    ApgdLoss loss = ApgdLoss.CrossEntropy,
    int restarts = 1,
    int seed = 0
) : Attack(seed)
{
    const double Momentum = 0.75,
        IncreaseShare = 0.75;

    public double Eps { get; } = eps;
    public int Steps { get; } = Math.Max(1, steps);
    public ApgdLoss Loss { get; } = loss;

    /// <summary>Random restarts (APGD-CE), or the number of target classes tried in turn (APGD-T).</summary>
    public int Restarts { get; } = Math.Max(1, restarts);
    public override string Name => Loss == ApgdLoss.CrossEntropy ? "apgd-ce" : "apgd-dlr";
    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [
            ("steps", $"{Steps}"),
            ("loss", Loss == ApgdLoss.CrossEntropy ? "cross-entropy" : "targeted DLR"),
            (Loss == ApgdLoss.CrossEntropy ? "restarts" : "target_classes", $"{Restarts}"),
            ("returns", "the first point that fooled, else the highest-loss one"),
        ];

    /// <summary>The steps at which the step size is reconsidered: p₀ = 0, p₁ = 0.22, pⱼ₊₁ = pⱼ + max(pⱼ − pⱼ₋₁ −
    /// 0.03, 0.06), as whole steps of <paramref name="steps"/>.</summary>
    public static IReadOnlyList<int> Checkpoints(int steps)
    {
        var p = new List<double> { 0, 0.22 };
        while (p[^1] < 1)
            p.Add(p[^1] + Math.Max(p[^1] - p[^2] - 0.03, 0.06));
        return p.Skip(1)
            .Select(v => (int)Math.Ceiling(Math.Round(v * steps, 6))) // 0.57 × 100 is 57, not 57.000…1
            .Where(w => w > 0 && w < steps)
            .Distinct()
            .ToArray();
    }

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var unit = UnitScale(x);
        var xn = x / unit;
        Tensor? ranks = null; // classes by clean score, for APGD-T's targets
        long classes;
        using (no_grad())
        {
            model.eval();
            var clean = model.forward(x);
            classes = clean.shape[1];
            if (Loss == ApgdLoss.TargetedDlr && !Targeted)
                ranks = clean.argsort(1, descending: true);
        }
        // APGD-T tries the classes after the true one in turn: at most classes − 1 of them.
        int rounds = ranks is null ? Restarts : (int)Math.Min(Restarts, classes - 1);
        Tensor Round(int r, Tensor open)
        {
            var yOpen = y.index_select(0, open);
            var target =
                Loss == ApgdLoss.CrossEntropy ? null
                : ranks is null ? TargetOf(yOpen, classes)
                : ranks.index_select(0, open)[.., r + 1];
            var point = Ascend(model, xn.index_select(0, open), unit, yOpen, target, random.Select(open));
            return point * unit;
        }
        return OnStanding(model, x, y, rounds, Round).MoveToOuterDisposeScope();
    }

    /// <summary>One APGD run on a batch in normalised space; returns its point per segment (the first that fooled it,
    /// else the highest-loss one).</summary>
    Tensor Ascend(
        nn.Module<Tensor, Tensor> model,
        Tensor xn,
        Tensor unit,
        Tensor y,
        Tensor? target,
        RandomStream random
    )
    {
        using var scope = NewDisposeScope();
        Tensor Project(Tensor a) => minimum(maximum(a, xn - Eps), xn + Eps).clamp(0, 1);
        Func<Tensor, Tensor, Tensor> objective = target is null ? AttackLoss : (z, labels) => Dlr(z, labels, target);
        (Tensor Grad, Tensor Loss, Tensor Fooled) Evaluate(Tensor a)
        {
            var (g, z) = GradientAndLogits(model, a * unit, y, objective);
            using var l = no_grad();
            return (g * unit, objective(z, y), Fooled(z, y));
        }
        long b = xn.shape[0];
        var adv = Project(xn + (random.Uniform(xn.shape, xn.device) * 2 - 1) * Eps);
        var (grad, loss, hit) = Evaluate(adv);
        var found = adv.clone(); // the first point that fooled each segment
        var (bestPoint, bestLoss, bestGrad) = (adv.clone(), loss.clone(), grad.clone());
        var step = full(new long[] { b, 1, 1, 1 }, 2 * Eps, device: xn.device);
        var previous = adv.clone();
        var increases = zeros(b, device: xn.device);
        var lossAtCheck = bestLoss.clone();
        var halvedAtCheck = ones(b, ScalarType.Bool, xn.device);
        var checkpoints = Checkpoints(Steps);
        int lastCheck = 0;
        for (int i = 0; i < Steps; i++)
        {
            using var iteration = NewDisposeScope();
            double a = i == 0 ? 1.0 : Momentum;
            var z = Project(adv + step * grad.sign());
            var next = Project(adv + (z - adv) * a + (adv - previous) * (1 - a));
            var (g, l, f) = Evaluate(next);
            var better = l.gt(bestLoss);
            var nextBestPoint = where(Rows(better), next, bestPoint);
            var nextBestGrad = where(Rows(better), g, bestGrad);
            var nextBestLoss = where(better, l, bestLoss);
            var nextIncreases = increases + l.gt(loss).to_type(ScalarType.Float32);
            Tensor nextStep = step,
                nextAdv = next,
                nextGrad = g,
                nextHalved = halvedAtCheck,
                nextLossAtCheck = lossAtCheck;
            if (checkpoints.Contains(i + 1))
            {
                int span = i + 1 - lastCheck;
                var oscillates = nextIncreases.le(IncreaseShare * span);
                var stalled = halvedAtCheck.logical_not().logical_and(lossAtCheck.ge(nextBestLoss));
                var halve = oscillates.logical_or(stalled);
                nextStep = where(Rows(halve), step / 2, step);
                nextAdv = where(Rows(halve), nextBestPoint, next);
                nextGrad = where(Rows(halve), nextBestGrad, g);
                (nextHalved, nextLossAtCheck, lastCheck) = (halve, nextBestLoss.clone(), i + 1);
                nextIncreases = zeros_like(increases);
            }
            // The old point becomes the momentum's previous one; every other replaced state tensor is freed.
            previous.Dispose();
            previous = adv;
            adv = nextAdv.MoveToOuterDisposeScope();
            Replace(ref found, where(Rows(f.logical_and(hit.logical_not())), next, found));
            Replace(ref hit, hit.logical_or(f));
            Replace(ref bestPoint, nextBestPoint);
            Replace(ref bestGrad, nextBestGrad);
            Replace(ref bestLoss, nextBestLoss);
            Replace(ref increases, nextIncreases);
            Replace(ref step, nextStep);
            Replace(ref grad, nextGrad);
            Replace(ref loss, l);
            Replace(ref halvedAtCheck, nextHalved);
            Replace(ref lossAtCheck, nextLossAtCheck);
        }
        return where(Rows(hit), found, bestPoint).MoveToOuterDisposeScope();
    }

    /// <summary>Keeps <paramref name="value"/> (made in this iteration) past it and frees the tensor it
    /// replaces.</summary>
    static void Replace(ref Tensor state, Tensor value)
    {
        if (ReferenceEquals(state, value))
            return;
        state.Dispose();
        state = value.MoveToOuterDisposeScope();
    }

    static Tensor Rows(Tensor mask) => mask.reshape(-1, 1, 1, 1);

    /// <summary>Targeted DLR loss per segment (ascended): −(z_y − z_t) / (z_π1 − (z_π3 + z_π4) / 2 + 10⁻¹²); with
    /// fewer than four classes the lowest-ranked logits stand in for π3 and π4.</summary>
    static Tensor Dlr(Tensor logits, Tensor labels, Tensor target)
    {
        var sorted = logits.sort(1).Values; // ascending
        long k = logits.shape[1];
        var zy = logits.gather(1, labels.unsqueeze(1)).squeeze(1);
        var zt = logits.gather(1, target.unsqueeze(1)).squeeze(1);
        var scale = sorted[.., k - 1] - (sorted[.., Math.Max(0, k - 3)] + sorted[.., Math.Max(0, k - 4)]) * 0.5;
        return -(zy - zt) / (scale + 1e-12);
    }
}

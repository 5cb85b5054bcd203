using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

public enum Norm
{
    LInf,
    L2,
}

/// <summary>
/// Projected Gradient Descent (Madry et al., 2018) in normalised units: optional random start in the ε-ball, then
/// <c>Steps</c> steps of size α (sign of the gradient for L∞, normalised gradient for L2), each projected back onto the
/// ε-ball around x and the valid range. An optional mask limits which cells may change (used by the velocity attack).
/// The random start is drawn from the batch's <see cref="RandomStream"/> (on the CPU, then moved to x's device).
/// </summary>
public class Pgd(double eps, double alpha, int steps = 10, Norm norm = Norm.LInf, bool randomStart = true, int seed = 0)
    : Attack(seed)
{
    public double Eps { get; } = eps;
    public double Alpha { get; } = alpha;
    public int Steps { get; } = steps;
    public Norm Norm { get; } = norm;
    public bool RandomStart { get; } = randomStart;
    public override string Name => Norm == Norm.LInf ? "pgd" : "pgd-l2";
    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit =>
        Norm == Norm.LInf ? VelocityUnit : "ε, L2 norm of the change in normalised units";

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [
            ("steps", $"{Steps}"),
            ("step_size", F(Alpha)),
            ("norm", Norm == Norm.LInf ? "Linf" : "L2"),
            ("random_start", RandomStart ? "yes" : "no"),
            ("returns", "the last iterate"),
        ];

    /// <summary>Step size of Madry et al.: 2.5 ε / steps, so the walk can reach the ball's edge from its
    /// centre.</summary>
    public static double DefaultAlpha(double eps, int steps) => 2.5 * eps / Math.Max(1, steps);

    /// <summary>Called with (k, the raw iterate) after the random start (k = 0) and after every step k = 1…steps;
    /// the tensor belongs to the attack and lives only during the call. For traces (<see cref="PgdTrace"/>): one run
    /// shows every step's point.</summary>
    public Action<int, Tensor>? OnIterate { get; init; }

    /// <summary>Cells allowed to change (1) or not (0); null = all.</summary>
    protected virtual Tensor? Mask(Tensor x) => null;

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var unit = UnitScale(x);
        var mask = Mask(x);
        var xn = x / unit; // normalised space: every channel in [0, 1]
        var adv = xn.clone();
        if (RandomStart && Eps > 0)
        {
            var noise =
                Norm == Norm.LInf
                    ? (random.Uniform(x.shape, x.device) * 2 - 1) * Eps
                    : Normalise(random.Normal(x.shape, x.device))
                        * Eps
                        * random.Uniform([x.shape[0], 1, 1, 1], x.device);
            adv = Project(xn, (adv + Masked(noise, mask)).clamp(0, 1));
        }
        Observe(0, adv, unit);
        for (int i = 0; i < Steps; i++)
        {
            using var step = NewDisposeScope();
            var grad = LossGradient(model, adv * unit, y) * unit; // chain rule into normalised space
            var direction = Norm == Norm.LInf ? grad.sign() : Normalise(grad);
            var next = Project(xn, (adv + Masked(direction, mask) * Alpha).clamp(0, 1));
            adv = next.detach().MoveToOuterDisposeScope();
            Observe(i + 1, adv, unit);
        }
        return (adv * unit).detach().MoveToOuterDisposeScope();
    }

    void Observe(int k, Tensor adv, Tensor unit)
    {
        if (OnIterate is null)
            return;
        using var scope = NewDisposeScope();
        OnIterate(k, adv * unit);
    }

    static Tensor Masked(Tensor t, Tensor? mask) => mask is null ? t : t * mask;

    static Tensor Normalise(Tensor g) => g / (g.flatten(1).norm(1, keepdim: true).reshape(-1, 1, 1, 1) + 1e-12);

    Tensor Project(Tensor x, Tensor adv)
    {
        var delta = adv - x;
        if (Norm == Norm.LInf)
            delta = delta.clamp(-Eps, Eps);
        else
        {
            var n = delta.flatten(1).norm(1, keepdim: true).reshape(-1, 1, 1, 1);
            delta = delta * (Eps / (n + 1e-12)).clamp_max(1);
        }
        return x + delta;
    }
}

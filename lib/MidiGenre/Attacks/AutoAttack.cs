using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// The AutoAttack ensemble (Croce &amp; Hein, ICML 2020) at one ε: APGD-CE, then APGD-T (targeted DLR loss), then
/// Square (scores only), each run on the segments the ones before it left standing. A segment counts as robust only
/// if no member fools it — the worst case per segment, which is what robust accuracy should mean. Its output is, per
/// segment, the first member's point that fooled it, else APGD-CE's point.
/// The standard ensemble runs 100 steps per APGD, nine target classes and 5 000 Square queries; this one is sized to
/// the run: <see cref="Steps"/> per APGD (twice the sweep's PGD steps: with fewer, APGD's step rule has no room to
/// adapt and it trails PGD), <see cref="TargetClasses"/> targets and <see cref="SquareQueries"/> queries, so it costs
/// a few PGD sweeps, not hundreds; every member after the first runs only on what is left standing. Stronger settings
/// can only lower its robust accuracy.
/// </summary>
public sealed class AutoAttack(double eps, int steps = 10, int targetClasses = 1, int squareQueries = 0, int seed = 0)
    : Attack(seed)
{
    public double Eps { get; } = eps;
    public int Steps { get; } = Math.Max(1, steps);
    public int TargetClasses { get; } = Math.Max(1, targetClasses);

    /// <summary>Square's queries: by default 2.5 per APGD step (50 for 20 steps), forward passes only.</summary>
    public int SquareQueries { get; } = squareQueries > 0 ? squareQueries : 5 * Math.Max(1, steps) / 2;
    public override string Name => "autoattack";
    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    /// <summary>The members in the order they run.</summary>
    public IReadOnlyList<Attack> Members =>
        [
            new Apgd(Eps, Steps, ApgdLoss.CrossEntropy, 1, Seeds.Derive(Seed, "apgd-ce")) { Targeted = Targeted },
            new Apgd(Eps, Steps, ApgdLoss.TargetedDlr, TargetClasses, Seeds.Derive(Seed, "apgd-t"))
            {
                Targeted = Targeted,
            },
            new Square(Eps, SquareQueries, seed: Seeds.Derive(Seed, "square")) { Targeted = Targeted },
        ];

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        Tensor? result = null;
        Tensor fooled;
        using (no_grad())
        {
            model.eval();
            fooled = Fooled(model.forward(x), y);
        }
        foreach (var member in Members)
        {
            using var round = NewDisposeScope();
            var open = fooled.logical_not().nonzero().flatten(); // one read-back per member
            if (open.shape[0] == 0)
                break;
            var adv = member.Perturb(model, x.index_select(0, open), y.index_select(0, open), random.Select(open));
            Tensor hit;
            using (no_grad())
                hit = Fooled(model.forward(adv), y.index_select(0, open));
            if (result is null)
            {
                result = x.index_copy(0, open, adv).MoveToOuterDisposeScope();
            }
            else
            {
                var rows = open.masked_select(hit);
                result.index_copy_(0, rows, adv.index_select(0, hit.nonzero().flatten()));
            }
            fooled.index_fill_(0, open.masked_select(hit), true);
        }
        return (result ?? x.clone()).detach().MoveToOuterDisposeScope();
    }
}

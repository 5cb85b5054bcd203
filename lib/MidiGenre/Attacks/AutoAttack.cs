using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// The AutoAttack ensemble (Croce &amp; Hein, ICML 2020) at one ε: APGD-CE, then APGD-T (targeted DLR loss), then
/// Square (scores only), each run on the segments the ones before it left standing (<see cref="Attack.OnStanding"/>).
/// A segment counts as robust only if no member fools it — the worst case per segment, which is what robust accuracy
/// should mean. Its output is, per segment, the first member's point that fooled it, else APGD-CE's point.
/// Two variants, named apart in every output: <see cref="Standard"/> ("autoattack-standard": 100 steps per APGD, nine
/// target classes or classes − 1 when fewer, 5 000 Square queries — the published settings, without FAB-T, which is
/// not built here) and <see cref="Cheap"/> ("autoattack-cheap", sized to the run: twice the sweep's PGD steps per
/// APGD — with fewer, APGD's step rule has no room to adapt and it trails PGD —, one target class, 2.5 Square queries
/// per APGD step), which costs a few PGD sweeps, not hundreds. Stronger settings can only lower robust accuracy.
/// Each member draws from its own stream derived from the caller's, segment by segment.
/// </summary>
public sealed class AutoAttack(
    double eps,
    int steps = 10,
    int targetClasses = 1,
    int squareQueries = 0,
    int seed = 0,
    bool standard = false
) : Attack(seed)
{
    public const string CheapName = "autoattack-cheap",
        StandardName = "autoattack-standard";

    /// <summary>The published settings: 100 steps per APGD, 9 target classes (at most classes − 1), 5 000
    /// queries.</summary>
    public static AutoAttack Standard(double eps, int seed = 0, bool targeted = false) =>
        new(eps, 100, 9, 5000, seed, standard: true) { Targeted = targeted };

    /// <summary>The run-sized variant for a sweep of <paramref name="sweepSteps"/>-step PGD.</summary>
    public static AutoAttack Cheap(double eps, int sweepSteps, int seed = 0, bool targeted = false) =>
        new(eps, 2 * sweepSteps, 1, 0, seed) { Targeted = targeted };

    public double Eps { get; } = eps;
    public int Steps { get; } = Math.Max(1, steps);
    public int TargetClasses { get; } = Math.Max(1, targetClasses);
    public bool IsStandard { get; } = standard;

    /// <summary>Square's queries: by default 2.5 per APGD step (50 for 20 steps), forward passes only.</summary>
    public int SquareQueries { get; } = squareQueries > 0 ? squareQueries : 5 * Math.Max(1, steps) / 2;
    public override string Name => IsStandard ? StandardName : CheapName;
    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [
            ("variant", IsStandard ? "standard (Croce & Hein's settings)" : "cheap (sized to the sweep)"),
            ("members", "apgd-ce, apgd-t, square"),
            ("apgd_steps", $"{Steps}"),
            ("target_classes", $"{TargetClasses} (at most classes - 1)"),
            ("square_queries", $"{SquareQueries}"),
            ("fab_t", "left out (not built)"),
        ];

    /// <summary>The members in the order they run.</summary>
    public IReadOnlyList<Attack> Members =>
        [
            new Apgd(Eps, Steps, ApgdLoss.CrossEntropy, 1, Seed) { Targeted = Targeted },
            new Apgd(Eps, Steps, ApgdLoss.TargetedDlr, TargetClasses, Seed) { Targeted = Targeted },
            new Square(Eps, SquareQueries, seed: Seed) { Targeted = Targeted },
        ];

    static readonly string[] MemberStreams = ["apgd-ce", "apgd-t", "square"];

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        var members = Members;
        Tensor Round(int r, Tensor open)
        {
            using var own = random.Derive(MemberStreams[r]);
            return members[r].Perturb(model, x.index_select(0, open), y.index_select(0, open), own.Select(open));
        }
        return OnStanding(model, x, y, members.Count, Round);
    }
}

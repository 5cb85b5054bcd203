using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// Square Attack (Andriushchenko et al., ECCV 2020), L∞ in normalised units: a random search that only reads the
/// model's scores, never a gradient, so a model that hides or breaks its gradient (gradient masking) cannot hide from
/// it. It starts from vertical stripes (each pitch of each channel shifted by ±ε for the whole segment), then, for
/// <see cref="Queries"/> rounds, proposes a new ±ε patch in one random time × pitch square per segment (per channel
/// one sign) and keeps it for the segments whose margin z_y − max_{j≠y} z_j fell. The square's area starts at
/// <see cref="InitialShare"/> of the roll and halves on the paper's schedule. Fooled segments stop changing.
/// </summary>
public sealed class Square(double eps, int queries = 100, double initialShare = 0.8, int seed = 0) : Attack(seed)
{
    public double Eps { get; } = eps;
    public int Queries { get; } = Math.Max(1, queries);
    public double InitialShare { get; } = initialShare;
    public override string Name => "square";

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [("queries", $"{Queries}"), ("initial_share", F(InitialShare))];

    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    /// <summary>The share of the roll the square covers at <paramref name="query"/>: the paper's schedule for 10 000
    /// queries (halved at 10, 50, 200, 500, 1 000, 2 000, 4 000, 6 000, 8 000), stretched to
    /// <see cref="Queries"/>.</summary>
    public double ShareAt(int query)
    {
        int i = (int)(query / (double)Queries * 10_000);
        int halvings = new[] { 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 }.Count(m => i > m);
        return InitialShare / Math.Pow(2, halvings);
    }

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad(); // scores only
        model.eval();
        var unit = UnitScale(x);
        var xn = x / unit;
        long b = x.shape[0],
            c = x.shape[1],
            h = x.shape[2],
            w = x.shape[3];
        var sides = Enumerable
            .Range(0, Queries)
            .Select(q => (int)Math.Clamp(Math.Round(Math.Sqrt(ShareAt(q) * h * w)), 1, Math.Min(h, w) - 1))
            .ToArray();
        var (tops, lefts, signs) = Squares(random, (int)b, (int)c, (int)h, (int)w, sides, x.device);
        var time = arange(h, device: x.device).reshape(1, 1, h, 1);
        var pitch = arange(w, device: x.device).reshape(1, 1, 1, w);
        var stripes = random.Uniform([b, c, 1, w], x.device).lt(0.5).to_type(x.dtype) * 2 - 1;
        var best = (xn + stripes * Eps).clamp(0, 1);
        var margin = Margin(model.forward(best * unit), y);
        for (int q = 0; q < Queries; q++)
        {
            using var round = NewDisposeScope();
            // Each segment's own square at this round's size, with one sign per channel: built on the device from
            // the positions drawn before the loop, so a round copies nothing from the host.
            var (top, left) = (tops[q].reshape(b, 1, 1, 1), lefts[q].reshape(b, 1, 1, 1));
            var inside = time.ge(top)
                .logical_and(time.lt(top + sides[q]))
                .logical_and(pitch.ge(left).logical_and(pitch.lt(left + sides[q])));
            var patch = inside.to_type(x.dtype) * signs[q] * (2 * Eps);
            var proposal = minimum(maximum(best + patch, xn - Eps), xn + Eps).clamp(0, 1);
            var m = Margin(model.forward(proposal * unit), y);
            // Segments already fooled (margin < 0) keep their point; the others keep a proposal that lowers it.
            var take = m.lt(margin).logical_and(margin.ge(0));
            var nextBest = where(take.reshape(-1, 1, 1, 1), proposal, best);
            var nextMargin = where(take, m, margin);
            best.Dispose();
            margin.Dispose();
            best = nextBest.MoveToOuterDisposeScope();
            margin = nextMargin.MoveToOuterDisposeScope();
        }
        return (best * unit).detach().MoveToOuterDisposeScope();
    }

    /// <summary>Every round's square per segment — top, left (each [queries, b]) and per-channel sign ([queries, b, c,
    /// 1, 1]) — drawn by each segment's managed generator (a few numbers per round, no tensor draw) and copied to the
    /// device once.</summary>
    static (Tensor Tops, Tensor Lefts, Tensor Signs) Squares(
        RandomStream random,
        int b,
        int c,
        int h,
        int w,
        int[] sides,
        Device device
    )
    {
        int queries = sides.Length;
        var tops = new long[queries * b];
        var lefts = new long[queries * b];
        var signs = new float[queries * b * c];
        for (int i = 0; i < b; i++)
        {
            var rng = random.Managed(i);
            for (int q = 0; q < queries; q++)
            {
                tops[q * b + i] = rng.Next(h - sides[q] + 1);
                lefts[q * b + i] = rng.Next(w - sides[q] + 1);
                for (int ch = 0; ch < c; ch++)
                    signs[(q * b + i) * c + ch] = rng.Next(2) * 2 - 1;
            }
        }
        return (
            tensor(tops, [queries, b]).to(device),
            tensor(lefts, [queries, b]).to(device),
            tensor(signs, [queries, b, c, 1, 1]).to(device)
        );
    }

    /// <summary>z_y − max_{j≠y} z_j (untargeted; below 0 = fooled), or max_{j≠t} z_j − z_t towards target t.</summary>
    Tensor Margin(Tensor logits, Tensor labels)
    {
        var wanted = Targeted ? TargetOf(labels, logits.shape[1]) : labels;
        var own = logits.gather(1, wanted.unsqueeze(1)).squeeze(1);
        var others = logits.scatter(1, wanted.unsqueeze(1), full_like(logits, float.NegativeInfinity)).amax([1]);
        return Targeted ? others - own : own - others;
    }
}

using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace MidiGenre.Attacks;

/// <summary>
/// Base of all attacks (the torchattacks convention): inputs and outputs are raw rolls (onsets 0/1, velocities 0…127);
/// ε is in normalised units, i.e. ε on the onset channel and ε × 127 on the frame channel, matching the model's own
/// input scaling. Each attack owns its budget (<see cref="Budget"/>, in <see cref="BudgetUnit"/>) and its targeting: in
/// targeted mode it aims every segment at <see cref="TargetOf"/> its true class and minimises the loss towards it.
/// Attacks run the model in eval mode, restore the mode it had, and never change its weights. Random draws (PGD's
/// random start, random notes) come from a <see cref="RandomStream"/>: the caller names one per batch, or each call
/// takes the next stream of the attack's <see cref="Seed"/>, so no two batches share a random start.
/// </summary>
public abstract class Attack
{
    int _calls;

    protected Attack() { }

    protected Attack(int seed) => Seed = seed;

    /// <summary>The seed of the attack's own random streams (used when the caller names none).</summary>
    public int Seed { get; init; }

    public const string VelocityUnit = "ε in normalised velocity (1 = 127 velocity units; onsets 0…1)";

    public abstract string Name { get; }

    /// <summary>Whether the attack can aim at a class (it follows <see cref="Targeted"/>). Opt-in: an attack that
    /// does not say so is never listed or run as targeted (<see cref="AttackFactory.TargetedNames"/>).</summary>
    public virtual bool HasTargetedMode => false;

    public bool Targeted { get; init; }

    /// <summary>How much the attack may change, in <see cref="BudgetUnit"/>; null when unbounded (DeepFool).</summary>
    public abstract double? Budget { get; }
    public abstract string BudgetUnit { get; }

    /// <summary>Everything that sets the attack's strength besides its budget (steps, step size, restarts, targets,
    /// queries, variant), as text: recorded in every result (<see cref="AttackResult.Configuration"/>) so that PGD-5
    /// and PGD-10, or the cheap and the standard AutoAttack, never read alike.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings() => [];

    /// <summary>Whether <paramref name="recorded"/> (a result's configuration, as read back from a file) is this
    /// attack's: the same keys with the same values, in any order.</summary>
    public bool Made(IReadOnlyDictionary<string, string> recorded)
    {
        var mine = Configuration;
        return recorded.Count == mine.Count && mine.All(kv => recorded.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    /// <summary>The attack's full configuration: name, budget and its unit, targeting, seed and <see cref="Settings"/>,
    /// keys in a fixed order.</summary>
    public IReadOnlyDictionary<string, string> Configuration
    {
        get
        {
            var c = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["attack"] = Name,
                ["budget"] = Budget is double b ? F(b) : "none",
                ["budget_unit"] = BudgetUnit,
                ["targeted"] = Targeted ? $"yes (towards (label + 1) mod classes)" : "no",
                ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in Settings())
                c[key] = value;
            return c;
        }
    }

    /// <summary>A number as configurations write it (invariant, round-trip).</summary>
    protected static string F(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A zero budget changes nothing: evaluators reuse the clean figures instead of attacking.</summary>
    public bool IsNoOp => Budget == 0;

    /// <summary>The class a targeted attack aims each segment at: the next class, (label + 1) mod classes.</summary>
    public static Tensor TargetOf(Tensor labels, long classes) => (labels + 1).remainder(classes);

    public static int TargetOf(int label, int classes) => (label + 1) % classes;

    /// <summary>Returns the adversarial batch (a new tensor owned by the caller). <paramref name="labels"/> are the
    /// true classes; targets are derived from them in targeted mode. <paramref name="random"/> is this batch's random
    /// stream (the caller's); without it the call takes stream n of the attack's seed, n counting this attack's calls.
    /// The model's train/eval mode is restored afterwards.</summary>
    public Tensor Perturb(nn.Module<Tensor, Tensor> model, Tensor x, Tensor labels, RandomStream? random = null)
    {
        bool training = model.training;
        using var own = random is null ? RandomStream.Of(Seed, "attack", Interlocked.Increment(ref _calls) - 1) : null;
        try
        {
            return Run(model, x, labels, random ?? own!);
        }
        finally
        {
            model.train(training);
        }
    }

    protected abstract Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor labels, RandomStream random);

    /// <summary>Per-channel size of one normalised unit in raw roll values: [1, 127] for (onset, frame).</summary>
    public static Tensor UnitScale(Tensor x) => Models.InputScaling.RawUnit(x.shape[1], x.device);

    /// <summary>Clamps into the valid raw range per channel.</summary>
    protected static Tensor ClampRaw(Tensor x) => minimum(x.clamp_min(0), UnitScale(x));

    /// <summary>∇ₓ of the attack loss, model in eval mode: cross-entropy with the true labels (ascended), or, when
    /// targeted, minus cross-entropy with the targets (so ascending it approaches the target).</summary>
    protected Tensor LossGradient(nn.Module<Tensor, Tensor> model, Tensor x, Tensor labels)
    {
        var (grad, logits) = GradientAndLogits(model, x, labels, AttackLoss);
        logits.Dispose();
        return grad;
    }

    /// <summary>Per-segment attack loss (ascended): cross-entropy, or minus cross-entropy with the targets.</summary>
    protected Tensor AttackLoss(Tensor logits, Tensor labels) =>
        Targeted
            ? -cross_entropy(logits, TargetOf(labels, logits.shape[1]), reduction: nn.Reduction.None)
            : cross_entropy(logits, labels, reduction: nn.Reduction.None);

    /// <summary>∇ₓ of Σ <paramref name="loss"/> and the logits at <paramref name="x"/>, model in eval mode (both owned
    /// by the caller): one forward and one backward pass.</summary>
    protected static (Tensor Grad, Tensor Logits) GradientAndLogits(
        nn.Module<Tensor, Tensor> model,
        Tensor x,
        Tensor labels,
        Func<Tensor, Tensor, Tensor> loss
    )
    {
        model.eval();
        using var scope = NewDisposeScope();
        var xg = x.detach().requires_grad_(true);
        var logits = model.forward(xg);
        var grad = autograd.grad([loss(logits, labels).sum()], [xg])[0];
        return (grad.detach().MoveToOuterDisposeScope(), logits.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The bookkeeping of attacks that run in rounds (APGD's restarts and target classes, AutoAttack's members): each
    /// round attacks only the segments still standing (<paramref name="round"/> gets their rows and returns their raw
    /// adversarial rolls); the first round's point is kept for every segment it ran on, a later round's only where it
    /// fooled, so each segment ends at the first point that fooled it. Segments misclassified before any round keep
    /// their clean roll. One read-back per round (which rows are open).
    /// </summary>
    protected Tensor OnStanding(
        nn.Module<Tensor, Tensor> model,
        Tensor x,
        Tensor y,
        int rounds,
        Func<int, Tensor, Tensor> round
    )
    {
        using var scope = NewDisposeScope();
        Tensor fooled;
        using (no_grad())
        {
            model.eval();
            fooled = Fooled(model.forward(x), y);
        }
        var result = x.clone();
        for (int r = 0; r < rounds; r++)
        {
            using var inner = NewDisposeScope();
            var open = fooled.logical_not().nonzero().flatten();
            if (open.shape[0] == 0)
                break;
            var adv = round(r, open);
            Tensor hit;
            using (no_grad())
            {
                model.eval();
                hit = Fooled(model.forward(adv), y.index_select(0, open));
            }
            var keep = r == 0 ? ones_like(hit) : hit;
            result.index_copy_(0, open.masked_select(keep), adv.index_select(0, keep.nonzero().flatten()));
            fooled.index_fill_(0, open.masked_select(hit), true);
        }
        return result.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Whether each segment's prediction is what the attack wants: the target when targeted, any class but
    /// the true one otherwise.</summary>
    protected Tensor Fooled(Tensor logits, Tensor labels)
    {
        var pred = logits.argmax(1);
        return Targeted ? pred.eq(TargetOf(labels, logits.shape[1])) : pred.ne(labels);
    }
}

/// <summary>A budget an attack cannot take (negative, not finite, or not a whole number of notes).</summary>
public sealed class AttackBudgetException(string message) : Exception(message);

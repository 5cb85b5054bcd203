using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Defenses;

/// <summary>
/// Adversarial training: for every batch, a fraction <c>mix</c> of the segments is replaced by adversarial examples
/// generated on the fly against the current weights (model in eval mode while attacking, so batch-norm statistics see
/// only the training pass). mix = 1 trains on adversarial segments only; 0.5 on half clean, half adversarial.
/// <list type="bullet">
/// <item><c>pgd</c> — Madry et al. (2018): PGD with <c>Steps</c> steps of α = 2.5 ε / steps from a random start.</item>
/// <item><c>fast</c> — "Fast is better than free" (Wong, Rice and Kolter, ICLR 2020): FGSM from a uniform random start
/// in the ε-ball with α = 1.25 ε, one gradient per batch instead of <c>Steps</c>; pair it with
/// <see cref="OverfittingGuard"/> against catastrophic overfitting.</item>
/// <item><c>free</c> — "Adversarial training for free!" (Shafahi et al., NeurIPS 2019): each batch is replayed
/// m = <c>Steps</c> times and one perturbation, carried across batches, climbs the loss with the input gradient of
/// each training pass (<see cref="FreePerturbation"/>); epochs are divided by m, so it costs about what clean
/// training costs.</item>
/// <item><c>pgd-midi</c> — Madry et al.'s scheme with the attack MIDI allows (<see cref="RealizablePgd"/>: each
/// existing note louder or softer by at most ε × 127, valid MIDI at every step), since a defense against ±ε on every
/// cell is not one against louder or softer notes.</item>
/// </list>
/// </summary>
public sealed record AdversarialTraining(
    double Eps = Defaults.Eps,
    int Steps = 5,
    double Mix = Defaults.Mix,
    int Seed = 0,
    string Method = "pgd"
)
{
    /// <summary>The registered defenses (<see cref="DefenseSpec.Methods"/>) that transform batches; TRADES changes
    /// the objective instead (<see cref="Trades"/>).</summary>
    public static readonly IReadOnlyList<string> Methods = [.. DefenseSpec.Methods.Where(m => m != "trades")];

    /// <summary>Checked on construction: an unknown name would otherwise train PGD under that name.</summary>
    public string Method { get; init; } = CheckMethod(Method);

    /// <summary>Returns <paramref name="method"/> if it is one of <see cref="Methods"/>, else throws a
    /// <see cref="DefenseException"/> that lists them.</summary>
    public static string CheckMethod(string method) =>
        Methods.Contains(method)
            ? method
            : throw new DefenseException(
                $"unknown adversarial-training method '{method}': {string.Join(", ", Methods)} "
                    + "(TRADES is its own objective: `midigenre advtrain --method trades`)"
            );

    public double Alpha =>
        Method switch
        {
            "fast" => 1.25 * Eps,
            "free" => Eps,
            _ => Pgd.DefaultAlpha(Eps, Steps),
        };
    int AttackSteps => Method == "fast" ? 1 : Steps;

    /// <summary>Optimiser steps per batch (<see cref="Training.Trainer.Replays"/>): m for free, else 1.</summary>
    public int Replays => Method == "free" ? Math.Max(1, Steps) : 1;

    /// <summary>Epochs to run for a budget of <paramref name="epochs"/>: free training divides them by m (Shafahi et
    /// al.), so the number of passes over the data stays that of clean training.</summary>
    public int EpochsFor(int epochs) => Method == "free" ? Math.Max(1, (epochs + Replays - 1) / Replays) : epochs;

    FreePerturbation? _free;

    /// <summary>Hook for <see cref="Training.Trainer.AfterBackward"/>: the free method's ascent step on δ.</summary>
    public void AfterBackward() => _free?.Ascend();

    public DefenseSettings Settings => new(Method, Eps, AttackSteps, Mix, 0);

    /// <summary>The batch to train on; the random start is drawn from the stream of (seed, epoch, batch, replay), so
    /// every step starts from its own δ₀ and a resumed run draws the same ones.</summary>
    public Tensor Transform(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, BatchKey key)
    {
        int n = (int)Math.Round(Mix * x.shape[0]);
        if (n == 0 || Eps <= 0)
            return x;
        if (Method == "free")
            return (_free ??= new FreePerturbation(Eps)).Apply(x, n);
        using var random = RandomStream.Of(Seed, "adversarial-training", key.Epoch, key.Batch, key.Replay);
        Attack attack =
            Method == "pgd-midi"
                ? new RealizablePgd(Eps, Steps)
                : new Pgd(Eps, Alpha, AttackSteps, Norm.LInf, randomStart: true);
        var adv = attack.Perturb(model, x[..n], y[..n], random);
        return n == x.shape[0] ? adv : cat([adv, x[n..]], 0);
    }
}

/// <summary>A defense that cannot be built as asked (an unknown method), found before any training.</summary>
public sealed class DefenseException(string message) : Exception(message);

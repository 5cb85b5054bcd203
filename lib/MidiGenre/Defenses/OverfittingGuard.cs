using MidiGenre.Attacks;
using MidiGenre.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Defenses;

/// <summary>
/// The guard of Wong et al. (2020) against catastrophic overfitting of FGSM training: after every epoch it reads the
/// PGD robust accuracy on fixed validation segments (<see cref="RobustValidation"/>, recorded in the epoch's metrics);
/// when it falls more than <see cref="Drop"/> below the best epoch so far, training stops and the weights of the epoch
/// before are kept. The state lives in memory: a resumed run starts watching afresh.
/// </summary>
public sealed class OverfittingGuard
{
    public const double Drop = 0.2;
    double _best = double.NegativeInfinity;

    /// <summary>Null to go on, or why training must stop. <paramref name="robustAccuracy"/>: this epoch's
    /// check.</summary>
    public string? Judge(double robustAccuracy, int epoch)
    {
        if (robustAccuracy < _best - Drop)
            return $"catastrophic overfitting at epoch {epoch}: PGD robust accuracy on "
                + $"validation fell from {_best:P0} to "
                + $"{robustAccuracy:P0}; keeping epoch {epoch - 1}";
        _best = Math.Max(_best, robustAccuracy);
        return null;
    }

    /// <summary>The check for <see cref="Training.TrainingHooks.StopCheck"/>.</summary>
    public string? Check(Training.EpochMetrics m) =>
        m.ValRobustAccuracy is double robust ? Judge(robust, m.Epoch) : null;
}

/// <summary>
/// Clean and PGD robust accuracy on one fixed set of validation segments (the first <c>segments</c>), the same every
/// epoch: what adversarial training records per epoch (<see cref="Training.EpochMetrics.ValRobustAccuracy"/> beside
/// the clean figure of the same segments) and what the overfitting guard judges. PGD-10 at the defense's ε with a
/// random start drawn from the seed's own stream, all on the model's device with one read-back at the end.
/// </summary>
public sealed class RobustValidation(
    SegmentDataset validation,
    double eps,
    int steps = 10,
    int segments = 64,
    int seed = 0
)
{
    /// <summary>On the fixed segments: the share classified correctly, and the share classified correctly both before
    /// and under PGD.</summary>
    public (double Clean, double Robust) Measure(nn.Module<Tensor, Tensor> model)
    {
        var attack = new Pgd(
            eps,
            Pgd.DefaultAlpha(eps, steps),
            steps,
            Norm.LInf,
            randomStart: true,
            Common.Seeds.Derive(seed, "guard")
        );
        var device = Models.ModelDevice.Of(model);
        using var correct = zeros(1, ScalarType.Int64, device); // both read once, after the loop
        using var clean = zeros(1, ScalarType.Int64, device);
        using var one = 1.ToScalar();
        long seen = 0;
        int batchSize = Math.Min(Attacks.AttackEvaluator.BatchFor(device), Math.Max(1, segments));
        foreach (var batch in validation.Batches(batchSize, Augmentation.Eval, device: device))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            // Exactly the first `segments`, each with its own random start: the batch size changes nothing.
            int take = (int)Math.Min(batch.Index.Length, segments - seen);
            var (x, y) = (batch.X[..take], batch.Y[..take]);
            using var random = Common.RandomStream.PerSegment(attack.Seed, "robust-validation", batch.Index[..take]);
            var adv = attack.Perturb(model, x, y, random);
            using (no_grad())
            {
                // Robust: right before and after the attack (AutoAttack's count), so never above the clean figure.
                var right = model.forward(x).argmax(1).eq(y);
                clean.add_(right.sum(), one);
                correct.add_(model.forward(adv).argmax(1).eq(y).logical_and(right).sum(), one);
            }
            seen += take;
            if (seen >= segments)
                break;
        }
        return seen == 0 ? (0, 0) : (clean.item<long>() / (double)seen, correct.item<long>() / (double)seen);
    }
}

using MidiGenre.Data;
using MidiGenre.Models;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>What PGD does step by step on some test segments: the mean cross-entropy of the true class and the share
/// still classified correctly after k = 0 (the random start) … <see cref="Steps"/> steps, beside the clean
/// figures.</summary>
public sealed record PgdTraceResult(
    double Eps,
    int Steps,
    int Segments,
    double CleanLoss,
    double CleanAccuracy,
    double[] Loss,
    double[] Accuracy
);

/// <summary>
/// Loss over PGD's steps. PGD with k steps is, step for step, the first k steps of PGD with more (the same random
/// start from the same stream, the same step size), so the trace runs PGD-k for k = 0…steps with the full run's step
/// size and scores each end point — the attack's own loop stays as it is, without a read-back per step.
/// </summary>
public static class PgdTrace
{
    public static PgdTraceResult Run(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        double eps,
        int steps,
        int seed,
        int segments = 32
    )
    {
        model.eval();
        var device = ModelDevice.Of(model);
        using var batch = data.Batches(segments, Augmentation.Eval, device: device, prefetch: 0).First();
        using var scope = NewDisposeScope();
        (double Loss, double Accuracy) Score(Tensor x)
        {
            using var _ = no_grad();
            var logits = model.forward(x);
            return (
                nn.functional.cross_entropy(logits, batch.Y).item<float>(),
                logits.argmax(1).eq(batch.Y).to_type(ScalarType.Float32).mean().item<float>()
            );
        }
        var clean = Score(batch.X);
        var loss = new double[steps + 1];
        var accuracy = new double[steps + 1];
        double alpha = Pgd.DefaultAlpha(eps, steps);
        for (int k = 0; k <= steps; k++)
        {
            using var step = NewDisposeScope();
            using var random = Common.RandomStream.Of(seed, "pgd-trace", 0);
            var adv = new Pgd(eps, alpha, k, Norm.LInf, randomStart: true, seed).Perturb(
                model,
                batch.X,
                batch.Y,
                random
            );
            (loss[k], accuracy[k]) = Score(adv);
        }
        return new PgdTraceResult(eps, steps, (int)batch.X.shape[0], clean.Loss, clean.Accuracy, loss, accuracy);
    }
}

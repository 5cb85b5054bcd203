using MidiGenre.Data;
using MidiGenre.Models;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>What PGD does step by step on some test segments: the mean cross-entropy of the true class and the robust
/// accuracy (right before the attack and still right) after k = 0 (the random start) … <see cref="Steps"/> steps,
/// beside the clean figures.</summary>
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
/// Loss over PGD's steps, from one PGD run: the attack reports each iterate (<see cref="Pgd.OnIterate"/>) and the
/// trace scores it on the device, reading every figure back once at the end. The last point is exactly what PGD with
/// <c>steps</c> steps returns.
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
        Tensor right;
        using (no_grad())
            right = model.forward(batch.X).argmax(1).eq(batch.Y);
        Tensor Score(Tensor x) // [loss, robust accuracy]
        {
            using var _ = no_grad();
            var logits = model.forward(x);
            var correct = logits.argmax(1).eq(batch.Y).logical_and(right).to_type(ScalarType.Float32).mean();
            return stack([nn.functional.cross_entropy(logits, batch.Y), correct]);
        }
        var clean = Score(batch.X);
        var points = new Tensor[steps + 1];
        using var random = Common.RandomStream.Of(seed, "pgd-trace", 0);
        var pgd = new Pgd(eps, Pgd.DefaultAlpha(eps, steps), steps, Norm.LInf, randomStart: true, seed)
        {
            OnIterate = (k, adv) => points[k] = Score(adv).DetachFromDisposeScope(),
        };
        pgd.Perturb(model, batch.X, batch.Y, random).Dispose();
        var figures = stack(points).cpu().data<float>().ToArray(); // one read-back for the whole trace
        foreach (var p in points)
            p.Dispose();
        var c = clean.cpu().data<float>().ToArray();
        return new PgdTraceResult(
            eps,
            steps,
            (int)batch.X.shape[0],
            c[0],
            c[1],
            [.. Enumerable.Range(0, steps + 1).Select(k => (double)figures[2 * k])],
            [.. Enumerable.Range(0, steps + 1).Select(k => (double)figures[2 * k + 1])]
        );
    }
}

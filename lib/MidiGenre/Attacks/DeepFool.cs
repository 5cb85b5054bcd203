using MidiGenre.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// DeepFool (Moosavi-Dezfooli et al., 2016), multi-class, L2: linearise the classifier around x, step to the nearest
/// linearised boundary, repeat until the label flips; the total step is scaled by (1 + overshoot). Untargeted only.
/// </summary>
public sealed class DeepFool(int maxIterations = 50, double overshoot = 0.02) : Attack
{
    public override string Name => "deepfool";

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [("max_iterations", $"{maxIterations}"), ("overshoot", F(overshoot))];

    public override double? Budget => null;
    public override string BudgetUnit => "none: DeepFool seeks the smallest change; see median L2 and |Δv|";

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var unit = UnitScale(x);
        var xn = x / unit;
        var total = zeros_like(xn);
        long batch = x.shape[0];
        for (int it = 0; it < maxIterations; it++)
        {
            using var step = NewDisposeScope();
            var xg = (xn + total * (1 + overshoot)).clamp(0, 1).detach().requires_grad_(true);
            var logits = model.forward(xg * unit);
            var active = logits.argmax(1).eq(y);
            if (!active.any().item<bool>())
                break;
            int classes = (int)logits.shape[1];
            var fy = logits.gather(1, y.unsqueeze(1));
            var gy = autograd.grad([fy.sum()], [xg], retain_graph: true)[0];
            Tensor? bestDist = null,
                bestStep = null;
            for (int k = 0; k < classes; k++)
            {
                var fk = logits[.., k].unsqueeze(1);
                var gk = autograd.grad([fk.sum()], [xg], retain_graph: k < classes - 1)[0];
                var w = gk - gy;
                var f = (fk - fy).detach().abs().reshape(-1);
                var wn = w.flatten(1).norm(1) + 1e-8;
                var dist = f / wn;
                dist = where(y.eq(k), full_like(dist, double.PositiveInfinity), dist);
                var stepK = w * ((f + 1e-4) / (wn * wn)).reshape(-1, 1, 1, 1);
                if (bestDist is null)
                {
                    bestDist = dist;
                    bestStep = stepK;
                }
                else
                {
                    var better = dist.lt(bestDist);
                    bestStep = where(better.reshape(-1, 1, 1, 1), stepK, bestStep!);
                    bestDist = where(better, dist, bestDist);
                }
            }
            var next = total + bestStep!.detach() * active.reshape(batch, 1, 1, 1).to_type(ScalarType.Float32);
            total = next.detach().MoveToOuterDisposeScope();
        }
        return ((xn + total * (1 + overshoot)).clamp(0, 1) * unit).detach().MoveToOuterDisposeScope();
    }
}

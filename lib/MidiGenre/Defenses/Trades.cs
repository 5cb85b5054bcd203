using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace MidiGenre.Defenses;

/// <summary>
/// TRADES (Zhang et al., 2019): loss = CE(f(x), y) + β · KL(f(x) ‖ f(x′)), where x′ maximises that KL inside the
/// L∞ ε-ball (PGD on the KL from x + 0.001·N(0, 1), in normalised units). Trades clean accuracy against robustness via
/// β. TorchSharp's <c>kl_div</c> defaults to <c>log_target: true</c> (PyTorch: false); the targets here are
/// probabilities, so every call says <c>log_target: false</c>.
/// </summary>
public sealed record Trades(double Eps = Defaults.Eps, int Steps = 5, double Beta = Defaults.Beta, int Seed = 0)
{
    public double Alpha => Pgd.DefaultAlpha(Eps, Steps);

    public DefenseSettings Settings => new("trades", Eps, Steps, 1, Beta);

    /// <summary>The loss of one step; the start x + 0.001·N(0, 1) is drawn from the stream of (seed, epoch, batch,
    /// replay).</summary>
    public (Tensor Loss, Tensor Logits) Objective(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, BatchKey key)
    {
        var unit = Attack.UnitScale(x);
        var xn = x / unit;
        model.eval();
        Tensor target;
        using (no_grad())
            target = softmax(model.forward(x), 1);
        using var random = RandomStream.Of(Seed, "trades", key.Epoch, key.Batch, key.Replay);
        var adv = (xn + 0.001 * random.Normal(x.shape, x.device)).clamp(0, 1).detach();
        for (int i = 0; i < Steps; i++)
        {
            using var scope = NewDisposeScope();
            var a = adv.requires_grad_(true);
            var kl = kl_div(
                log_softmax(model.forward(a * unit), 1),
                target,
                log_target: false,
                reduction: nn.Reduction.Sum
            );
            var grad = autograd.grad([kl], [a])[0];
            var next = (xn + (a.detach() + grad.sign() * Alpha - xn).clamp(-Eps, Eps)).clamp(0, 1);
            adv = next.detach().MoveToOuterDisposeScope();
        }
        model.train();
        var logits = model.forward(x);
        var robust =
            kl_div(
                log_softmax(model.forward(adv * unit), 1),
                softmax(logits, 1),
                log_target: false,
                reduction: nn.Reduction.Sum
            ) / x.shape[0];
        return (cross_entropy(logits, y) + Beta * robust, logits);
    }
}

using MidiGenre.Common;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>Fast Gradient Sign Method (Goodfellow et al., 2015): x' = clip(x + ε · sign(∇ₓ L)).</summary>
public sealed class Fgsm(double eps) : Attack
{
    public double Eps { get; } = eps;
    public override string Name => "fgsm";
    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var grad = LossGradient(model, x, y);
        var adv = ClampRaw(x + grad.sign() * UnitScale(x) * Eps);
        return adv.detach().MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace MidiGenre.Attacks;

/// <summary>
/// Base of all attacks (the torchattacks convention): inputs and outputs are raw rolls (onsets 0/1, velocities 0…127);
/// ε is in normalised units, i.e. ε on the onset channel and ε × 127 on the frame channel, matching the model's own
/// input scaling. In targeted mode <c>y</c> holds the target classes and the loss is minimised instead of maximised.
/// Attacks put the model in eval mode and never change its weights.
/// </summary>
public abstract class Attack
{
    public abstract string Name { get; }
    public bool Targeted { get; init; }

    /// <summary>Returns the adversarial batch (a new tensor owned by the caller).</summary>
    public abstract Tensor Perturb(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y);

    /// <summary>Per-channel size of one normalised unit in raw roll values: [1, 127] for (onset, frame).</summary>
    public static Tensor UnitScale(Tensor x) =>
        x.shape[1] == 2 ? tensor(new float[] { 1f, 127f }, device: x.device).reshape(1, 2, 1, 1) : full(new long[] { 1, x.shape[1], 1, 1 }, 127f, device: x.device);

    /// <summary>Clamps into the valid raw range per channel.</summary>
    protected static Tensor ClampRaw(Tensor x) => minimum(x.clamp_min(0), UnitScale(x));

    /// <summary>∇ₓ of the attack loss (cross-entropy; negated when targeted), model in eval mode.</summary>
    protected Tensor LossGradient(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var xg = x.detach().requires_grad_(true);
        var loss = cross_entropy(model.forward(xg), y);
        if (Targeted) loss = -loss;
        var grad = autograd.grad([loss], [xg])[0];
        return grad.detach().MoveToOuterDisposeScope();
    }
}

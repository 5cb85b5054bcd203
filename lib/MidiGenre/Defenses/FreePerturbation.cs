using MidiGenre.Attacks;
using static TorchSharp.torch;

namespace MidiGenre.Defenses;

/// <summary>
/// The perturbation of "Adversarial training for free!" (Shafahi et al., NeurIPS 2019): one δ (normalised units),
/// carried from minibatch to minibatch. Each replay trains on clip(x + δ) and its one backward pass gives the weight
/// gradient and ∇δ at once; then δ ← clip(δ + ε · sign(∇δ), −ε, ε). No extra forward or backward passes.
/// </summary>
sealed class FreePerturbation(double eps)
{
    // Outlives the trainer's per-batch dispose scopes: detached from them, disposed when replaced.
    Tensor? _delta;

    // This replay's δ, a leaf that receives the input gradient (lives in the batch's scope).
    Tensor? _leaf;

    /// <summary>The first <paramref name="n"/> segments of the batch, perturbed by δ; the rest stay clean.</summary>
    public Tensor Apply(Tensor x, int n)
    {
        var part = x[..n];
        if (_delta is null || !_delta.shape.SequenceEqual(part.shape) || _delta.device_type != x.device_type)
        {
            _delta?.Dispose(); // a new batch shape (the last, smaller batch) starts again from δ = 0
            _delta = zeros_like(part).DetachFromDisposeScope();
        }
        var unit = Attack.UnitScale(part);
        _leaf = _delta.clone().requires_grad_(true);
        var adv = (part / unit + _leaf).clamp(0, 1) * unit;
        return n == x.shape[0] ? adv : cat([adv, x[n..]], 0);
    }

    /// <summary>One ascent step on δ from the gradient the training pass left on it.</summary>
    public void Ascend()
    {
        if (_leaf?.grad is not { } g)
            return;
        using var _ = no_grad();
        var next = (_leaf.detach() + eps * g.sign()).clamp(-eps, eps).DetachFromDisposeScope();
        _delta?.Dispose();
        _delta = next;
    }
}

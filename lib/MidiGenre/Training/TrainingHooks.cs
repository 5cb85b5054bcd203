using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>What a defense asks of the trainer, in one object (built by <c>Defenses.DefenseSpec</c>): the settings
/// every checkpoint records (null: none to record, e.g. a bare stop check) and the hooks that carry them out. Set as
/// <see cref="Trainer.Hooks"/>, so a caller cannot copy some hooks and forget one.</summary>
public sealed record TrainingHooks(DefenseSettings? Settings)
{
    /// <summary>Turns a clean batch into the batch to train on (adversarial training).</summary>
    public Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, BatchKey, Tensor>? BatchTransform { get; init; }

    /// <summary>Optimiser steps per batch (free adversarial training's replays m).</summary>
    public int Replays { get; init; } = 1;

    /// <summary>After each backward pass, while the input gradient is there (free adversarial training).</summary>
    public Action? AfterBackward { get; init; }

    /// <summary>Replaces cross-entropy (TRADES).</summary>
    public Func<
        nn.Module<Tensor, Tensor>,
        Tensor,
        Tensor,
        BatchKey,
        (Tensor Loss, Tensor Logits)
    >? Objective { get; init; }

    /// <summary>After each epoch's validation: on fixed validation segments, the share classified correctly and the
    /// share an attack at the defense's budget leaves correct, recorded as
    /// <see cref="EpochMetrics.ValRobustCleanAccuracy"/> and <see cref="EpochMetrics.ValRobustAccuracy"/>
    /// (adversarial training).</summary>
    public Func<nn.Module<Tensor, Tensor>, (double Clean, double Robust)>? RobustValidation { get; init; }

    /// <summary>After each epoch, given its metrics: a reason stops the run (the guard against catastrophic
    /// overfitting judges the robust validation accuracy).</summary>
    public Func<EpochMetrics, string?>? StopCheck { get; init; }
}

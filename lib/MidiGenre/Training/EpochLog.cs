using static TorchSharp.torch;

namespace MidiGenre.Training;

/// <summary>Per-epoch scalars as TensorBoard events under RUN/tensorboard.</summary>
sealed class EpochLog(string runDir)
{
    readonly TorchSharp.Modules.SummaryWriter _writer = utils.tensorboard.SummaryWriter(
        Path.Combine(runDir, "tensorboard")
    );

    public void Add(EpochMetrics m)
    {
        _writer.add_scalar("train/loss", (float)m.TrainLoss, m.Epoch);
        _writer.add_scalar("train/accuracy", (float)m.TrainAccuracy, m.Epoch);
        _writer.add_scalar("val/segment_accuracy", (float)m.ValSegmentAccuracy, m.Epoch);
        _writer.add_scalar("val/performance_accuracy", (float)m.ValPerformanceAccuracy, m.Epoch);
        _writer.add_scalar("val/weighted_f1", (float)m.ValWeightedF1, m.Epoch);
        _writer.add_scalar("val/loss", (float)m.ValLoss, m.Epoch);
        if (m.ValRobustAccuracy is double robust && m.ValRobustCleanAccuracy is double clean)
        {
            _writer.add_scalar("val/pgd_robust_accuracy", (float)robust, m.Epoch);
            _writer.add_scalar("val/pgd_fixed_segments_clean_accuracy", (float)clean, m.Epoch);
        }
        _writer.add_scalar("lr", (float)m.LearningRate, m.Epoch);
    }
}

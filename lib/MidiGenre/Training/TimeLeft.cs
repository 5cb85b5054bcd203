namespace MidiGenre.Training;

/// <summary>
/// Estimates the time a training run has left from its progress reports: the share of all batches done since the
/// first report, over the time since then. The start is the first report received, shown or not — a resumed run
/// starts part-way, and a display that shows one line per epoch must not take the end of the first epoch as the start
/// (that made the estimate about one epoch's batches times too long).
/// </summary>
public sealed class TimeLeft
{
    double _startFraction = double.NaN,
        _startSeconds;

    /// <summary>Seconds left after report <paramref name="p"/> at <paramref name="seconds"/> on the caller's clock;
    /// null before there is a rate, or when the run is done.</summary>
    public double? After(TrainProgress p, double seconds)
    {
        double total = p.Epochs * (double)p.Batches;
        double done = ((p.Epoch - 1) * (double)p.Batches + p.Batch) / total;
        if (double.IsNaN(_startFraction))
        {
            // The first report closes its batch: the run's own start was one batch earlier.
            (_startFraction, _startSeconds) = (done - 1 / total, 0);
        }
        double rate = (done - _startFraction) / Math.Max(seconds - _startSeconds, 1e-9);
        return rate > 0 && done < 1 ? (1 - done) / rate : null;
    }
}

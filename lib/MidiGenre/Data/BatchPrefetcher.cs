using System.Collections.Concurrent;

namespace MidiGenre.Data;

/// <summary>
/// Draws batches on a background thread while the caller computes on the previous ones: a bounded queue of
/// <c>depth</c> batches, filled in the order the source yields them, so the batches (and every figure) are the same
/// as without it. On a GPU the rasterising of segments then no longer stalls the device between steps. The producer
/// stops when the caller stops early; batches it drew but nobody took are disposed; its errors reach the caller.
/// </summary>
public static class BatchPrefetcher
{
    /// <summary>Batches drawn ahead by default: enough to hide one batch's drawing, little memory.</summary>
    public const int DefaultDepth = 2;

    public static IEnumerable<SegmentBatch> Run(IEnumerable<SegmentBatch> source, int depth)
    {
        using var queue = new BlockingCollection<SegmentBatch>(depth);
        using var stop = new CancellationTokenSource();
        var producer = Task.Factory.StartNew(
            () => Produce(source, queue, stop.Token),
            stop.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default
        );
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
                yield return batch;
            producer.GetAwaiter().GetResult(); // the producer's error, if it failed
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.Wait();
            }
            catch (AggregateException) { } // cancelled, or failed after the caller stopped listening
            while (queue.TryTake(out var left))
                left.Dispose();
        }
    }

    static void Produce(
        IEnumerable<SegmentBatch> source,
        BlockingCollection<SegmentBatch> queue,
        CancellationToken stop
    )
    {
        try
        {
            foreach (var batch in source)
            {
                try
                {
                    queue.Add(batch, stop);
                }
                catch (OperationCanceledException)
                {
                    batch.Dispose();
                    return;
                }
                catch
                {
                    batch.Dispose(); // never queued: nobody else will dispose it
                    throw;
                }
            }
        }
        finally
        {
            queue.CompleteAdding();
        }
    }
}

using MidiGenre.Data;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

[Collection("torch")]
public class BatchPrefetcherTests(SmokeData smoke)
{
    [Fact]
    public void Prefetched_batches_are_the_batches_drawn_in_line()
    {
        var aug = new Augmentation(true, 3);
        var inLine = smoke.Data.Train.Batches(5, aug, seed: 4, epoch: 2, shuffle: true, prefetch: 0).ToList();
        var ahead = smoke.Data.Train.Batches(5, aug, seed: 4, epoch: 2, shuffle: true, prefetch: 2).ToList();
        Assert.Equal(inLine.Count, ahead.Count);
        for (int i = 0; i < inLine.Count; i++)
        {
            Assert.Equal(inLine[i].Index, ahead[i].Index);
            Assert.True(inLine[i].X.allclose(ahead[i].X, rtol: 0, atol: 0), $"batch {i} differs");
            Assert.True(inLine[i].Y.allclose(ahead[i].Y, rtol: 0, atol: 0), $"batch {i} labels differ");
        }
        foreach (var b in inLine.Concat(ahead))
            b.Dispose();
    }

    [Fact]
    public void A_caller_that_stops_early_stops_the_producer_and_its_errors_reach_the_caller()
    {
        int drawn = 0;
        IEnumerable<SegmentBatch> Source()
        {
            for (int i = 0; i < 100; i++)
            {
                drawn++;
                yield return new SegmentBatch(zeros(1), zeros(1), [i]);
            }
        }
        using (var first = BatchPrefetcher.Run(Source(), 2).First())
            Assert.Equal([0], first.Index);
        Assert.True(drawn <= 4, $"the producer went on after the caller stopped: {drawn} batches drawn");

        IEnumerable<SegmentBatch> Failing()
        {
            yield return new SegmentBatch(zeros(1), zeros(1), [0]);
            throw new InvalidDataException("cache file changed");
        }
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var b in BatchPrefetcher.Run(Failing(), 2))
                b.Dispose();
        });
        Assert.Equal("cache file changed", e.Message);
    }

    [Fact]
    public void A_move_that_fails_disposes_the_host_batch_instead_of_leaving_it_to_the_finalizer()
    {
        if (cuda.is_available())
            return; // the failure this needs is a move to a device that is not there
        var batch = new SegmentBatch(zeros(2, 3), zeros(2), [0, 1]);
        var absent = new Device(TorchSharp.DeviceType.CUDA, 0); // torch.CUDA itself would throw before the move
        Assert.ThrowsAny<Exception>(() => batch.MoveTo(absent));
        Assert.True(batch.X.IsInvalid && batch.Y.IsInvalid, "the host tensors were left to the finalizer");
    }
}

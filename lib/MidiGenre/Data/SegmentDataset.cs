using MidiGenre.Encoding;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Data;

/// <summary>A piece in memory: its roll as note spans (sparse), class and identity.</summary>
public sealed record Piece(string Id, string Title, int Label, NoteSpans Notes)
{
    public int Frames => Notes.Frames;
}

/// <summary>One segment: a window of a piece.</summary>
public readonly record struct Segment(int Piece, int WindowStart);

/// <summary>One batch: inputs (B, C, crop, 128) of raw roll values, labels (B), and the dataset index of each row.
/// It owns its tensors: dispose it (a <c>using</c>) when the step is done.</summary>
public sealed class SegmentBatch(Tensor x, Tensor y, int[] index) : IDisposable
{
    public Tensor X { get; } = x;
    public Tensor Y { get; } = y;
    public int[] Index { get; } = index;

    public void Deconstruct(out Tensor x, out Tensor y, out int[] index) => (x, y, index) = (X, Y, Index);

    /// <summary>This batch on <paramref name="device"/>; this one's tensors are disposed. The copy does not wait for
    /// the device (the host tensors are page-locked, and later work on the device is ordered after it). Disposing the
    /// page-locked source at once is safe: libtorch's caching host allocator records the copy's event and keeps the
    /// block until the copy is done.</summary>
    public SegmentBatch MoveTo(Device device)
    {
        Tensor? x = null;
        try
        {
            x = X.to(device, non_blocking: true);
            var moved = new SegmentBatch(x, Y.to(device, non_blocking: true), Index);
            x = null;
            return moved;
        }
        finally
        {
            x?.Dispose(); // a failed copy of the labels: nothing moved is left to the finalizer
            Dispose(); // moved or failed, the host batch is done with
        }
    }

    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}

/// <summary>How batches are cut: random crop and transposition for training, centred crop for evaluation.</summary>
public sealed record Augmentation(bool RandomCrop, int MaxTranspose = 0)
{
    public static readonly Augmentation Train = new(true, 0);
    public static readonly Augmentation Eval = new(false, 0);
}

/// <summary>
/// The paper's segments over pieces held in memory as note spans, served as (B, 2, crop, 128) float tensors of raw
/// roll values: each segment is drawn from its notes straight into the batch tensor's memory (no dense roll, no
/// managed buffer, no copy), so memory grows with the number of notes (16 bytes each), not with hours of music.
/// Order and crops come from a seed and the epoch (<see cref="Common.Seeds"/>), so a resumed run sees exactly the
/// batches an uninterrupted run would.
/// </summary>
public sealed class SegmentDataset
{
    public IReadOnlyList<Piece> Pieces { get; }
    public SegmentSpec Spec { get; }
    public IReadOnlyList<Segment> Segments { get; }
    public int InputChannels { get; }

    public SegmentDataset(IReadOnlyList<Piece> pieces, SegmentSpec spec, int inputChannels = 2)
    {
        if (inputChannels is not (1 or 2))
            throw new ArgumentOutOfRangeException(nameof(inputChannels), "1 (frames) or 2 (onsets + frames)");
        Pieces = pieces;
        Spec = spec;
        InputChannels = inputChannels;
        Segments = pieces.SelectMany((p, i) => spec.WindowStarts(p.Frames).Select(s => new Segment(i, s))).ToList();
    }

    /// <summary>Loads the note spans of <paramref name="entries"/> from the cache.</summary>
    public static SegmentDataset FromCache(
        RollCache cache,
        Catalog catalog,
        IEnumerable<CatalogEntry> entries,
        SegmentSpec spec,
        int inputChannels = 2
    )
    {
        var pieces = entries
            .Where(cache.Contains)
            .Select(e => new Piece(e.MidiFilename, e.Title, catalog.ClassIndex(e), cache.LoadNotes(e)))
            .ToList();
        return new SegmentDataset(pieces, spec, inputChannels);
    }

    public int Count => Segments.Count;

    /// <summary>Batches in dataset order, or a seeded shuffle per epoch, on <paramref name="device"/> (CPU when
    /// null). The caller disposes each batch: its tensors are created outside any dispose scope the caller opens per
    /// step. With <paramref name="prefetch"/> &gt; 0 a background thread draws the next batches while the caller
    /// computes (<see cref="BatchPrefetcher"/>); the batches are the same either way.</summary>
    public IEnumerable<SegmentBatch> Batches(
        int batchSize,
        Augmentation aug,
        int seed = 0,
        int epoch = 0,
        Device? device = null,
        bool shuffle = false,
        int prefetch = BatchPrefetcher.DefaultDepth
    )
    {
        bool gpu = device != null && device.type != DeviceType.CPU;
        var drawn = HostBatches(batchSize, aug, seed, epoch, shuffle, pinned: gpu);
        foreach (var batch in prefetch > 0 ? BatchPrefetcher.Run(drawn, prefetch) : drawn)
            yield return gpu ? batch.MoveTo(device!) : batch;
    }

    /// <summary>The batches as CPU tensors, in page-locked memory when they go to a GPU (so the copy can overlap
    /// computation).</summary>
    IEnumerable<SegmentBatch> HostBatches(
        int batchSize,
        Augmentation aug,
        int seed,
        int epoch,
        bool shuffle,
        bool pinned
    )
    {
        var order = Enumerable.Range(0, Count).ToArray();
        var rng = Common.Seeds.Random(seed, "batches", epoch);
        if (shuffle)
            rng.Shuffle(order);
        var scratch = new float[PianoRoll.Channels * Spec.CropBins * PianoRoll.Pitches];
        for (int b0 = 0; b0 < order.Length; b0 += batchSize)
        {
            int n = Math.Min(batchSize, order.Length - b0);
            yield return DrawBatch(new ArraySegment<int>(order, b0, n), aug, rng, scratch, pinned);
        }
    }

    /// <summary>One batch; if drawing, labelling or pinning fails, the tensors made so far are disposed here, not
    /// left to the finalizer.</summary>
    SegmentBatch DrawBatch(ArraySegment<int> segments, Augmentation aug, Random rng, float[] scratch, bool pinned)
    {
        var labels = new long[segments.Count];
        var index = new int[segments.Count];
        Tensor? x = null,
            y = null;
        try
        {
            // Segments are written straight into the tensor's own memory: no managed buffer, no copy per batch.
            x = empty(segments.Count, InputChannels, Spec.CropBins, PianoRoll.Pitches);
            FillBatch(segments, aug, rng, Floats(x), labels, index, scratch);
            y = tensor(labels);
            if (pinned)
            {
                x = Pin(x);
                y = Pin(y);
            }
            var batch = new SegmentBatch(x, y, index);
            (x, y) = (null, null);
            return batch;
        }
        finally
        {
            x?.Dispose();
            y?.Dispose();
        }
    }

    /// <summary>A page-locked copy; the unpinned tensor is disposed whether or not pinning worked.</summary>
    static Tensor Pin(Tensor t)
    {
        try
        {
            return t.pin_memory();
        }
        finally
        {
            t.Dispose();
        }
    }

    // TorchSharp's `bytes` is a span over the tensor's own native memory (contiguous CPU tensors), not a copy.
    static Span<float> Floats(Tensor cpuFloat) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(cpuFloat.bytes);

    void FillBatch(
        ReadOnlySpan<int> segments,
        Augmentation aug,
        Random rng,
        Span<float> dest,
        long[] labels,
        int[] index,
        float[] scratch
    )
    {
        int per = InputChannels * Spec.CropBins * PianoRoll.Pitches;
        for (int i = 0; i < segments.Length; i++)
        {
            int k = segments[i];
            var seg = Segments[k];
            var piece = Pieces[seg.Piece];
            int offset = aug.RandomCrop ? rng.Next(Spec.MaxCropOffset + 1) : Spec.CentreCropOffset;
            int transpose = aug.MaxTranspose > 0 ? rng.Next(-aug.MaxTranspose, aug.MaxTranspose + 1) : 0;
            Fill(piece.Notes, seg.WindowStart + offset, transpose, dest.Slice(i * per, per), scratch);
            labels[i] = piece.Label;
            index[i] = k;
        }
    }

    void Fill(NoteSpans notes, int start, int transpose, Span<float> dest, float[] scratch)
    {
        if (InputChannels == 2)
        {
            notes.Rasterize(start, Spec.CropBins, dest, transpose);
            return;
        }
        notes.Rasterize<float>(start, Spec.CropBins, scratch, transpose);
        scratch.AsSpan(Spec.CropBins * PianoRoll.Pitches).CopyTo(dest); // frame channel only
    }
}

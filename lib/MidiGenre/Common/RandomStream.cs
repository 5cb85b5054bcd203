using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Common;

/// <summary>
/// The one way the library draws random tensors. Every draw comes from a CPU generator this stream owns, seeded from
/// (seed, purpose, parts…) by <see cref="Seeds.Derive64"/>, and is then moved to the device the caller asks for
/// (from pinned memory, without waiting for the GPU). Why not a generator on the device: TorchSharp 0.107 always makes
/// a CPU generator whatever device it is given (<c>THSGenerator_new</c>), libtorch refuses it for a CUDA draw, and
/// TorchSharp's native <c>rand</c> then returns garbage instead of an error (a SIGSEGV on the next operation;
/// <c>randn</c> throws). Drawing on the CPU avoids that bug and gives the same numbers on every device. Parts name
/// the draw: (epoch, batch, replay) in training, so random starts differ per batch and epoch and stay reproducible.
/// A stream <see cref="PerSegment"/> holds one generator per segment instead: a draw whose first dimension is the
/// batch takes row i from segment i's own generator, so how segments are grouped into batches (a GPU takes more at a
/// time than a CPU) never changes a segment's numbers.
/// </summary>
public sealed class RandomStream : IDisposable
{
    const ulong ManagedSalt = 0x6D616E61676564UL;
    readonly Generator[] _generators;
    readonly ulong[] _seeds;
    readonly bool _perRow,
        _owns;

    /// <summary>The stream's 64-bit seed (derived; two purposes or parts never share one by design); for a
    /// per-segment stream, its first segment's.</summary>
    public ulong Seed => _seeds[0];

    /// <summary>The number of segments of a per-segment stream; null for a batch stream.</summary>
    public int? Rows => _perRow ? _generators.Length : null;

    RandomStream(ulong[] seeds, bool perRow)
        : this(seeds.Select(s => new Generator(s, CPU)).ToArray(), seeds, perRow, owns: true) { }

    RandomStream(Generator[] generators, ulong[] seeds, bool perRow, bool owns)
    {
        (_generators, _seeds, _perRow, _owns) = (generators, seeds, perRow, owns);
    }

    /// <summary>The stream of (<paramref name="seed"/>, <paramref name="purpose"/>,
    /// <paramref name="parts"/>).</summary>
    public static RandomStream Of(long seed, string purpose, params ReadOnlySpan<long> parts) =>
        new([Seeds.Derive64(seed, purpose, parts)], perRow: false);

    /// <summary>One stream per segment, (<paramref name="seed"/>, <paramref name="purpose"/>, segment), in the
    /// order of <paramref name="segments"/> (dataset indices): row i of every batch-shaped draw is segment
    /// i's.</summary>
    public static RandomStream PerSegment(long seed, string purpose, IReadOnlyList<int> segments) =>
        segments.Count == 0
            ? throw new ArgumentException("a per-segment stream needs at least one segment", nameof(segments))
            : new(segments.Select(s => Seeds.Derive64(seed, purpose, s)).ToArray(), perRow: true);

    /// <summary>The segments <paramref name="rows"/> of a per-segment stream, sharing its generators (an attack that
    /// works on the segments still standing draws from their own streams); a batch stream returns itself.</summary>
    public RandomStream Select(IReadOnlyList<long> rows) =>
        !_perRow
            ? this
            : new(
                rows.Select(r => _generators[r]).ToArray(),
                rows.Select(r => _seeds[r]).ToArray(),
                perRow: true,
                owns: false
            );

    /// <summary>A stream of its own for <paramref name="purpose"/>, derived row by row from this one's seeds (an
    /// ensemble gives each member its own draws, still per segment); owned by the caller.</summary>
    public RandomStream Derive(string purpose) =>
        new(_seeds.Select(s => Seeds.Mix(s ^ Seeds.Hash(purpose))).ToArray(), _perRow);

    /// <summary><see cref="Select(IReadOnlyList{long})"/> with the rows as a tensor of indices (read once).</summary>
    public RandomStream Select(Tensor rows) =>
        !_perRow ? this : Select((IReadOnlyList<long>)rows.cpu().data<long>().ToArray());

    /// <summary>U[0, 1) of <paramref name="shape"/> on <paramref name="device"/> (float32).</summary>
    public Tensor Uniform(long[] shape, Device device) => Draw(shape, device, (s, g) => rand(s, generator: g));

    /// <summary>N(0, 1) of <paramref name="shape"/> on <paramref name="device"/> (float32).</summary>
    public Tensor Normal(long[] shape, Device device) => Draw(shape, device, (s, g) => randn(s, generator: g));

    /// <summary>U[0, 1) of <c>Σ lengths</c> values, <paramref name="lengths"/>[i] of them for segment i (one
    /// draw for a batch stream), as one flat tensor on <paramref name="device"/>.</summary>
    public Tensor UniformRagged(IReadOnlyList<int> lengths, Device device)
    {
        if (!_perRow)
            return OnDevice(rand([lengths.Sum()], generator: _generators[0]), device);
        CheckRows(lengths.Count);
        using var scope = NewDisposeScope();
        var parts = lengths.Select((n, i) => rand([n], generator: _generators[i])).ToArray();
        return OnDevice(cat(parts, 0), device).MoveToOuterDisposeScope();
    }

    /// <summary>A managed generator on the same stream, for draws made in .NET code (which pitch, which column); for a
    /// per-segment stream use <see cref="Managed(int)"/>.</summary>
    public Random Managed() =>
        _perRow
            ? throw new InvalidOperationException("a per-segment stream has one managed generator per segment")
            : new StableRandom(Seeds.Mix(Seed ^ ManagedSalt));

    /// <summary>Segment <paramref name="row"/>'s managed generator (a batch stream derives one per row).</summary>
    public Random Managed(int row) =>
        new StableRandom(
            _perRow ? Seeds.Mix(_seeds[row] ^ ManagedSalt) : Seeds.Mix(Seeds.Mix(Seed ^ ManagedSalt) + (ulong)row)
        );

    Tensor Draw(long[] shape, Device device, Func<long[], Generator, Tensor> draw)
    {
        if (!_perRow)
            return OnDevice(draw(shape, _generators[0]), device);
        CheckRows(shape.Length == 0 ? -1 : shape[0]);
        using var scope = NewDisposeScope();
        long[] row = [1, .. shape[1..]];
        var parts = _generators.Select(g => draw(row, g)).ToArray();
        return OnDevice(cat(parts, 0), device).MoveToOuterDisposeScope();
    }

    void CheckRows(long rows)
    {
        if (rows != _generators.Length)
            throw new ArgumentException(
                $"a stream of {_generators.Length} segments draws one row per segment, not {rows} rows"
            );
    }

    // From pinned memory, the copy to the GPU is queued without waiting for it; libtorch's pinned allocator keeps the
    // host buffer until the copy has run, so the CPU tensor can be disposed at once.
    static Tensor OnDevice(Tensor cpu, Device device)
    {
        if (device.type == DeviceType.CPU)
            return cpu;
        using var pinned = cpu.pin_memory();
        var moved = pinned.to(device, non_blocking: true);
        cpu.Dispose();
        return moved;
    }

    public void Dispose()
    {
        if (_owns)
            foreach (var g in _generators)
                g.Dispose();
    }
}

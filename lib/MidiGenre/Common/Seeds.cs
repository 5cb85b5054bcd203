namespace MidiGenre.Common;

/// <summary>
/// Every random stream of a run is derived from the one user seed by <see cref="Derive"/>: the stream's name is hashed
/// with 64-bit FNV-1a, then the seed, the name hash and each extra part (epoch, batch, …) are folded in with the
/// SplitMix64 finaliser (Steele, Lea and Flood, 2014). Both are fixed arithmetic, so a seed gives the same streams in
/// every process, on every machine and .NET version — unlike <c>HashCode</c> and <c>string.GetHashCode</c>, which .NET
/// randomises per process. Streams in use: "split", "init", "epoch", "batches", "pgd", "guard", "random-notes",
/// "baseline", "synthetic", "synthetic-score", "synthetic-performance"; tensor streams (<see cref="RandomStream"/>):
/// "adversarial-training" and "trades" per (epoch, batch, replay), "evaluation" per batch, "attack" per call, "bench".
/// </summary>
public static class Seeds
{
    /// <summary>SplitMix64's output function: a bijective avalanche mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64-bit FNV-1a of the UTF-16 code units of <paramref name="name"/>.</summary>
    public static ulong Hash(string name)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in name)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        return h;
    }

    /// <summary>The 64-bit seed of stream <paramref name="stream"/> (and sub-stream <paramref
    /// name="parts"/>).</summary>
    public static ulong Derive64(long seed, string stream, params ReadOnlySpan<long> parts)
    {
        ulong h = Mix((ulong)seed ^ Mix(Hash(stream)));
        foreach (long p in parts)
            h = Mix(h ^ (ulong)p);
        return h;
    }

    /// <summary>A non-negative 31-bit seed for APIs that take an int (e.g. <c>torch.manual_seed</c> callers).</summary>
    public static int Derive(long seed, string stream, params ReadOnlySpan<long> parts) =>
        (int)(Derive64(seed, stream, parts) >> 33);

    /// <summary>A generator for stream <paramref name="stream"/>.</summary>
    public static Random Random(long seed, string stream, params ReadOnlySpan<long> parts) =>
        new StableRandom(Derive64(seed, stream, parts));
}

/// <summary>
/// A <see cref="System.Random"/> whose sequence is fixed by its seed alone (SplitMix64 steps), so it does not depend
/// on the .NET version's choice of algorithm. Every <c>Random</c> method that user code calls is routed through
/// <see cref="NextUInt64"/>.
/// </summary>
public sealed class StableRandom(ulong seed) : Random
{
    ulong _state = seed;

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Seeds.Mix(_state - 0x9E3779B97F4A7C15UL);
    }

    protected override double Sample() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public override double NextDouble() => Sample();

    public override float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    public override int Next() => (int)(NextUInt64() >> 33);

    public override int Next(int maxValue) => Next(0, maxValue);

    public override int Next(int minValue, int maxValue)
    {
        if (maxValue < minValue)
            throw new ArgumentOutOfRangeException(nameof(maxValue));
        return (int)(minValue + (long)NextInt64(0, (long)maxValue - minValue));
    }

    public override long NextInt64() => (long)(NextUInt64() >> 1);

    public override long NextInt64(long maxValue) => NextInt64(0, maxValue);

    public override long NextInt64(long minValue, long maxValue)
    {
        if (maxValue < minValue)
            throw new ArgumentOutOfRangeException(nameof(maxValue));
        ulong range = (ulong)(maxValue - minValue);
        if (range == 0)
            return minValue;
        // Lemire's multiply-shift with rejection: unbiased.
        ulong limit = (0UL - range) % range;
        while (true)
        {
            ulong x = NextUInt64();
            UInt128 m = (UInt128)x * range;
            if ((ulong)m >= limit)
                return minValue + (long)(ulong)(m >> 64);
        }
    }

    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = (byte)(NextUInt64() >> 56);
    }
}

using System.Numerics;
using System.Runtime.InteropServices;

namespace MidiGenre.Encoding;

/// <summary>One note in roll units: onset bin, length in bins (≥ 1), pitch (0…127), velocity (0…127).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct NoteSpan(int Bin, int Length, int Pitch, int Velocity)
{
    public int End => Bin + Length;
}

/// <summary>
/// A piano roll in sparse form: the encoder's notes as spans, sorted by onset bin. Drawing them with the encoder's
/// rule (onset 1 at [bin, pitch]; frame = the largest velocity over bin…bin+length−1) gives exactly the dense roll of
/// <see cref="PianoRollEncoder"/>, and any window of it exactly what <see cref="SegmentReader.Copy"/> cuts from that
/// roll. 16 bytes a note instead of 256 bytes a bin: MAESTRO's ~7 million notes take ~110 MB, its dense rolls ~3.7 GB.
/// On disk: a .npy int32 array (N, 4) with columns bin, length, pitch, velocity.
/// </summary>
public sealed class NoteSpans
{
    readonly NoteSpan[] _spans;
    readonly int _longest; // bins; bounds how far back a window must look for notes still sounding

    public NoteSpans(IEnumerable<NoteSpan> notes)
        : this(notes.ToArray()) { }

    /// <summary>Takes <paramref name="spans"/> as its own (no copy): they are sorted in place.</summary>
    NoteSpans(NoteSpan[] spans)
    {
        _spans = spans;
        foreach (var s in _spans)
            if (s.Bin < 0 || s.Length < 1 || (uint)s.Pitch > 127 || (uint)s.Velocity > 127)
                throw new InvalidDataException($"invalid note span {s}");
        // A total order, so the same notes always give the same file, whatever order they came in (files read back
        // are sorted already).
        if (!IsSorted(_spans))
            Array.Sort(_spans, Compare);
        foreach (var s in _spans)
        {
            Frames = Math.Max(Frames, s.End);
            _longest = Math.Max(_longest, s.Length);
        }
        if ((long)Frames * PianoRoll.Channels * PianoRoll.Pitches > int.MaxValue)
            throw new InvalidDataException($"notes end at bin {Frames}: the roll would be too long");
    }

    static int Compare(NoteSpan a, NoteSpan b) =>
        (a.Bin, a.Pitch, a.Length, a.Velocity).CompareTo((b.Bin, b.Pitch, b.Length, b.Velocity));

    static bool IsSorted(NoteSpan[] s)
    {
        for (int i = 1; i < s.Length; i++)
            if (Compare(s[i - 1], s[i]) > 0)
                return false;
        return true;
    }

    public static readonly NoteSpans Empty = new([]);

    /// <summary>T = max(bin + length), 0 without notes.</summary>
    public int Frames { get; }
    public int Count => _spans.Length;
    public ReadOnlySpan<NoteSpan> Spans => _spans;
    public double Seconds => Frames * PianoRoll.BinSeconds;

    /// <summary>The dense (2, T, 128) roll.</summary>
    public PianoRoll ToRoll()
    {
        var roll = new PianoRoll(Frames);
        Rasterize<byte>(0, Frames, roll.Data);
        return roll;
    }

    /// <summary>Writes bins [start, start + length) as (2, length, 128) into <paramref name="dest"/>, transposed by
    /// <paramref name="semitones"/> (pitches pushed out of 0…127 dropped), zeros outside the roll: the same values
    /// <see cref="SegmentReader.Copy"/> writes from the dense roll.</summary>
    public void Rasterize<T>(int start, int length, Span<T> dest, int semitones = 0)
        where T : unmanaged, INumber<T>
    {
        int plane = length * PianoRoll.Pitches;
        if (dest.Length != PianoRoll.Channels * plane)
            throw new ArgumentException("destination size");
        dest.Clear();
        int end = start + length;
        for (int i = FirstSoundingAt(start); i < _spans.Length && _spans[i].Bin < end; i++)
        {
            var s = _spans[i];
            int pitch = s.Pitch + semitones;
            if ((uint)pitch >= PianoRoll.Pitches || s.End <= start)
                continue;
            if (s.Bin >= start)
                dest[(s.Bin - start) * PianoRoll.Pitches + pitch] = T.One;
            T v = T.CreateTruncating(s.Velocity);
            int last = Math.Min(s.End, end) - start;
            for (int t = Math.Max(s.Bin, start) - start; t < last; t++)
            {
                ref T frame = ref dest[plane + t * PianoRoll.Pitches + pitch];
                if (frame < v)
                    frame = v; // overlapping notes: the louder one
            }
        }
    }

    /// <summary>Index of the first span that can still sound at <paramref name="bin"/>: spans are sorted by onset and
    /// none is longer than the longest, so every earlier one has ended.</summary>
    int FirstSoundingAt(int bin)
    {
        long after = (long)bin - _longest; // first span with Bin > after
        int lo = 0,
            hi = _spans.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_spans[mid].Bin > after)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }

    public void Write(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("note spans are written little-endian");
        AtomicFile.Write(path, s => Npy.Write(s, MemoryMarshal.AsBytes(Spans), [Count, 4], Npy.Int32));
    }

    /// <summary>Reads the file straight into the spans' own array (training reads one per segment drawn).</summary>
    public static NoteSpans Read(string path)
    {
        using var file = File.OpenRead(path);
        int[] shape;
        try
        {
            shape = Npy.ReadHeader(file, Npy.Int32);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (shape.Length != 2 || shape[1] != 4)
            throw new InvalidDataException(
                $"{path}: expected note spans of shape (N, 4), found ({string.Join(", ", shape)})"
            );
        var spans = new NoteSpan[shape[0]];
        file.ReadExactly(MemoryMarshal.AsBytes(spans.AsSpan()));
        return new NoteSpans(spans);
    }

    public override string ToString() => $"NoteSpans({Count} notes, {Frames} bins) {Seconds:F1} s";
}

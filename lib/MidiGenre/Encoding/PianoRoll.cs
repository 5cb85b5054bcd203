namespace MidiGenre.Encoding;

/// <summary>
/// A 2-channel piano roll, shape (2, T, 128), C order, bytes: channel 0 = onsets (0/1), channel 1 = frames (velocity
/// 0…127). One time bin is <see cref="BinSeconds"/> seconds.
/// </summary>
public sealed class PianoRoll : IEquatable<PianoRoll>
{
    public const int Pitches = 128;
    public const int Channels = 2;
    public const double BinSeconds = 0.05;
    public const int Onset = 0,
        Frame = 1;

    public byte[] Data { get; }
    public int Frames { get; }

    public PianoRoll(int frames)
        : this(new byte[Channels * frames * Pitches], frames) { }

    public PianoRoll(byte[] data, int frames)
    {
        if (frames < 0)
            throw new ArgumentOutOfRangeException(nameof(frames));
        if (data.Length != Channels * frames * Pitches)
            throw new ArgumentException($"data has {data.Length} bytes, expected 2×{frames}×128");
        Data = data;
        Frames = frames;
    }

    public int Index(int channel, int time, int pitch) => (channel * Frames + time) * Pitches + pitch;

    public byte this[int channel, int time, int pitch]
    {
        get => Data[Index(channel, time, pitch)];
        set => Data[Index(channel, time, pitch)] = value;
    }

    public Span<byte> Channel(int channel) => Data.AsSpan(channel * Frames * Pitches, Frames * Pitches);

    public int CountOnsets() => Frames == 0 ? 0 : Channel(Onset).Length - Channel(Onset).Count((byte)0);

    public double Seconds => Frames * BinSeconds;

    /// <summary>Bins [start, start + length) as a roll of their own (clipped to the roll).</summary>
    public PianoRoll Slice(int start, int length)
    {
        start = Math.Clamp(start, 0, Frames);
        length = Math.Clamp(length, 0, Frames - start);
        var part = new PianoRoll(length);
        for (int c = 0; c < Channels; c++)
            Data.AsSpan(Index(c, start, 0), length * Pitches).CopyTo(part.Channel(c));
        return part;
    }

    public bool Equals(PianoRoll? other) =>
        other != null && other.Frames == Frames && other.Data.AsSpan().SequenceEqual(Data);

    public override bool Equals(object? obj) => Equals(obj as PianoRoll);

    public override int GetHashCode() => HashCode.Combine(Frames, Data.Length);

    public override string ToString() => $"PianoRoll(2, {Frames}, 128) {Seconds:F1} s";
}

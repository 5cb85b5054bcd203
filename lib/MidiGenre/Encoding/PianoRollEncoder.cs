using MidiGenre.Midi;

namespace MidiGenre.Encoding;

/// <summary>Encoder settings; part of the cache key, so any change re-encodes.</summary>
public sealed record EncodeOptions(bool DropDrums = false, bool SustainPedal = false)
{
    public static readonly EncodeOptions Default = new();

    /// <summary>Bumped when the encoder's output changes for the same options.</summary>
    public const int EncoderVersion = 1;

    public ReadOptions ToReadOptions() => new(DropDrums, SustainPedal);

    public string Key => $"v{EncoderVersion}-bin50ms{(DropDrums ? "-nodrums" : "")}{(SustainPedal ? "-sustain" : "")}";
}

/// <summary>
/// Notes → 2-channel piano roll, exactly as specified: onset bin b = floor(N_on / (PPQ·50 000)),
/// length L = max(1, floor((N_off − N_on) / (PPQ·50 000))), onset 1 at [b, pitch], frame = velocity over b…b+L−1
/// (maximum where notes overlap), T = max(b + L). <see cref="Spans(MidiScore)"/> computes (b, L, pitch, velocity) per
/// note; <see cref="NoteSpans"/> draws them.
/// </summary>
public static class PianoRollEncoder
{
    /// <summary>Exact time units (tick·µs per quarter) in one 0.05 s bin, per tick-per-quarter.</summary>
    public const long MicrosecondsPerBin = 50_000;

    public static PianoRoll Encode(string midiPath, EncodeOptions? options = null) =>
        Encode(MidiReader.Read(midiPath, (options ?? EncodeOptions.Default).ToReadOptions()));

    public static PianoRoll Encode(MidiScore score) => Spans(score).ToRoll();

    /// <summary>The notes in roll units (the same roll, sparse): what the cache stores.</summary>
    public static NoteSpans Spans(string midiPath, EncodeOptions? options = null) =>
        Spans(MidiReader.Read(midiPath, (options ?? EncodeOptions.Default).ToReadOptions()));

    public static NoteSpans Spans(MidiScore score)
    {
        var spans = new NoteSpan[score.Notes.Count];
        for (int i = 0; i < spans.Length; i++)
            spans[i] = SpanOf(score, score.Notes[i]);
        return new NoteSpans(spans);
    }

    /// <summary>One note of <paramref name="score"/> in roll units: onset bin b, length L (the rule above).</summary>
    public static NoteSpan SpanOf(MidiScore score, MidiNote n)
    {
        long unit = score.TicksPerQuarter * MicrosecondsPerBin;
        long b = n.OnTime / unit;
        long l = Math.Max(1, (n.OffTime - n.OnTime) / unit);
        if (b + l > int.MaxValue / (2 * PianoRoll.Pitches))
            throw new InvalidDataException($"note at {score.Seconds(n.OnTime):F0} s makes the roll too long");
        return new NoteSpan((int)b, (int)l, n.Pitch, n.Velocity);
    }
}

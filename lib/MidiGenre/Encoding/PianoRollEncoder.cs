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
/// (maximum where notes overlap), T = max(b + L).
/// </summary>
public static class PianoRollEncoder
{
    /// <summary>Exact time units (tick·µs per quarter) in one 0.05 s bin, per tick-per-quarter.</summary>
    public const long MicrosecondsPerBin = 50_000;

    public static PianoRoll Encode(string midiPath, EncodeOptions? options = null) =>
        Encode(MidiReader.Read(midiPath, (options ?? EncodeOptions.Default).ToReadOptions()));

    public static PianoRoll Encode(MidiScore score)
    {
        long unit = score.TicksPerQuarter * MicrosecondsPerBin;
        var notes = score.Notes;
        int frames = 0;
        var spans = new (int Bin, int Length)[notes.Count];
        for (int i = 0; i < notes.Count; i++)
        {
            var n = notes[i];
            long b = n.OnTime / unit;
            long l = Math.Max(1, (n.OffTime - n.OnTime) / unit);
            if (b + l > int.MaxValue / (2 * PianoRoll.Pitches))
                throw new InvalidDataException($"note at {score.Seconds(n.OnTime):F0} s makes the roll too long");
            spans[i] = ((int)b, (int)l);
            frames = Math.Max(frames, (int)(b + l));
        }
        var roll = new PianoRoll(frames);
        var data = roll.Data;
        int frameBase = frames * PianoRoll.Pitches;
        for (int i = 0; i < notes.Count; i++)
        {
            var (b, l) = spans[i];
            int pitch = notes[i].Pitch;
            byte v = (byte)notes[i].Velocity;
            data[b * PianoRoll.Pitches + pitch] = 1;
            int idx = frameBase + b * PianoRoll.Pitches + pitch;
            for (int t = 0; t < l; t++, idx += PianoRoll.Pitches)
                if (data[idx] < v)
                    data[idx] = v;
        }
        return roll;
    }
}

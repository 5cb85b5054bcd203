using MidiGenre.Midi;

namespace MidiGenre.Encoding;

/// <summary>
/// Piano roll → notes → MIDI, such that encoding the MIDI gives back the same roll for every roll the encoder
/// can produce. At PPQ 480 and 120 bpm one bin is exactly 48 ticks, so bin edges survive the trip.
/// Where frames of one pitch come from overlapping notes (a louder note inside a softer one), the overlap is
/// rebuilt with notes on separate MIDI channels, because note pairing is first-in-first-out per (channel, pitch).
/// </summary>
public static class PianoRollDecoder
{
    public const int TicksPerQuarter = 480;
    public const int TicksPerBin = 48; // 480 ticks/quarter × 0.05 s / 0.5 s per quarter

    public static void WriteMidi(PianoRoll roll, string path, int program = 0) =>
        MidiWriter.Write(path, Decode(roll), TicksPerQuarter, MidiReader.DefaultTempo, program);

    public static byte[] ToMidiBytes(PianoRoll roll, int program = 0) =>
        MidiWriter.ToBytes(Decode(roll), TicksPerQuarter, MidiReader.DefaultTempo, program);

    /// <summary>Notes (tick times at <see cref="TicksPerQuarter"/>) that encode to <paramref name="roll"/>.</summary>
    /// <exception cref="InvalidDataException">The roll has frames without an onset starting them, or needs more
    /// than 16 overlapping layers on one pitch.</exception>
    public static List<MidiNote> Decode(PianoRoll roll)
    {
        var result = new List<MidiNote>();
        var column = new byte[roll.Frames];
        var onset = new bool[roll.Frames];
        var layers = new List<(int Start, int End, int Velocity)>();
        for (int p = 0; p < PianoRoll.Pitches; p++)
        {
            layers.Clear();
            bool any = false;
            for (int t = 0; t < roll.Frames; t++)
            {
                column[t] = roll[PianoRoll.Frame, t, p];
                onset[t] = roll[PianoRoll.Onset, t, p] != 0;
                any |= column[t] != 0 || onset[t];
            }
            if (!any)
                continue;
            PitchNotes(column, onset, p, layers);
            AssignChannels(layers, p, result);
        }
        // Same start, same key: the note that ends first must be written first, or FIFO pairing swaps them.
        result.Sort(
            static (a, b) =>
                a.OnTick != b.OnTick ? a.OnTick.CompareTo(b.OnTick)
                : a.Pitch != b.Pitch ? a.Pitch.CompareTo(b.Pitch)
                : a.Channel != b.Channel ? a.Channel.CompareTo(b.Channel)
                : a.OffTick.CompareTo(b.OffTick)
        );
        return result;
    }

    /// <summary>One note per constant-velocity segment, started at the latest onset from which the frames never
    /// drop below that velocity; plus a one-bin note at each onset that no such note starts at.</summary>
    static void PitchNotes(byte[] f, bool[] onset, int pitch, List<(int, int, int)> notes)
    {
        var started = new HashSet<int>();
        int t = 0;
        while (t < f.Length)
        {
            if (f[t] == 0)
            {
                if (onset[t])
                    throw new InvalidDataException($"onset without frame at bin {t}, pitch {pitch}");
                t++;
                continue;
            }
            int c = t;
            while (c < f.Length && f[c] == f[t] && (c == t || !onset[c]))
                c++;
            int v = f[t];
            int s = t;
            while (!onset[s])
            {
                if (s == 0 || f[s - 1] < v)
                    throw new InvalidDataException($"frames at bin {t}, pitch {pitch} have no onset");
                s--;
            }
            notes.Add((s, c, v));
            started.Add(s);
            t = c;
        }
        for (int i = 0; i < onset.Length; i++)
            if (onset[i] && !started.Contains(i))
                notes.Add((i, i + 1, f[i]));
    }

    /// <summary>Puts notes on channels so that on each channel starts and ends are in the same order
    /// (FIFO-safe).</summary>
    static void AssignChannels(List<(int Start, int End, int Velocity)> notes, int pitch, List<MidiNote> result)
    {
        notes.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End));
        Span<int> lastEnd = stackalloc int[16];
        lastEnd.Fill(-1);
        foreach (var (s, e, v) in notes)
        {
            int ch = -1;
            for (int i = 0; i < 16; i++)
                if (lastEnd[i] <= e)
                {
                    ch = i;
                    break;
                }
            if (ch < 0)
                throw new InvalidDataException($"more than 16 nested notes at pitch {pitch}");
            lastEnd[ch] = e;
            long on = (long)s * TicksPerBin,
                off = (long)e * TicksPerBin;
            result.Add(new MidiNote(ch + 1, pitch, v, on, off, 0, 0));
        }
    }
}

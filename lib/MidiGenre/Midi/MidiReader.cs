using NAudio.Midi;

namespace MidiGenre.Midi;

/// <summary>Options that change which notes are read.</summary>
public sealed record ReadOptions(bool DropDrums = false, bool SustainPedal = false)
{
    public static readonly ReadOptions Default = new();
}

/// <summary>
/// Reads Standard MIDI Files (format 0 and 1) into notes with exact integer times. NAudio.Midi parses the bytes;
/// this class merges the tracks, applies the tempo map and pairs notes:
/// events in tick order, ties by track then position; FIFO pairing per (channel, pitch); a note-on with velocity 0
/// is a note-off; unmatched note-offs are ignored; notes still open close at the file's last event.
/// </summary>
public static class MidiReader
{
    public const int DefaultTempo = 500_000;
    const int DrumChannel = 10; // NAudio channels are 1-based

    public static MidiScore Read(string path, ReadOptions? options = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MidiFormatException(path, 0, "cannot read file: " + e.Message, e);
        }
        return Read(bytes, path, options);
    }

    public static MidiScore Read(byte[] bytes, string name, ReadOptions? options = null)
    {
        var header = CheckHeader(bytes, name);
        var stream = new MemoryStream(bytes, writable: false);
        MidiFile file;
        try
        {
            file = new MidiFile(stream, strictChecking: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new MidiFormatException(name, stream.Position, Describe(e), e);
        }
        if (file.Events.Tracks != header.Tracks)
            throw new MidiFormatException(
                name,
                stream.Position,
                $"header announces {header.Tracks} tracks, found {file.Events.Tracks}"
            );
        var score = Pair(file, header.Format, options ?? ReadOptions.Default);
        if (score.DurationSeconds > MaxSeconds)
            throw new MidiFormatException(
                name,
                bytes.Length,
                $"events reach {score.DurationSeconds:F0} s, beyond the {MaxSeconds / 3600:F0} h "
                    + $"limit (corrupt delta times or tempo?)"
            );
        return score;
    }

    /// <summary>Longer "performances" are corrupt files in practice (MAESTRO's longest is under an hour); this bounds
    /// memory.</summary>
    public const double MaxSeconds = 4 * 3600;

    readonly record struct Header(int Format, int Tracks, int Division);

    /// <summary>NAudio accepts format 2 and SMPTE division silently; the encoder cannot give them meaning.</summary>
    static Header CheckHeader(byte[] b, string name)
    {
        if (b.Length == 0)
            throw new MidiFormatException(name, 0, "empty file");
        if (b.Length < 14 || b[0] != 'M' || b[1] != 'T' || b[2] != 'h' || b[3] != 'd')
            throw new MidiFormatException(name, 0, "missing MThd header");
        int length = (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7];
        if (length < 6)
            throw new MidiFormatException(name, 4, $"header chunk length {length} < 6");
        int format = (b[8] << 8) | b[9];
        int tracks = (b[10] << 8) | b[11];
        int division = (b[12] << 8) | b[13];
        if (format == 2)
            throw new MidiFormatException(name, 8, "format 2 (independent sequences) is not supported");
        if (format > 2)
            throw new MidiFormatException(name, 8, $"unknown format {format}");
        if ((division & 0x8000) != 0)
            throw new MidiFormatException(name, 12, "SMPTE time division is not supported");
        if (division == 0)
            throw new MidiFormatException(name, 12, "zero ticks per quarter note");
        if (format == 0 && tracks != 1)
            throw new MidiFormatException(name, 10, $"format 0 with {tracks} tracks");
        return new Header(format, tracks, division);
    }

    static string Describe(Exception e) =>
        e switch
        {
            EndOfStreamException => "unexpected end of file (truncated?)",
            _ => $"{e.GetType().Name}: {e.Message}",
        };

    /// <summary>One event of the merged timeline; ordered by (tick, track, index).</summary>
    readonly record struct Ev(long Tick, int Track, int Index, MidiEvent Event);

    /// <summary>Walks the merged timeline, keeping the tempo map's exact time, and hands note and pedal events to the
    /// pairing rule.</summary>
    static MidiScore Pair(MidiFile file, int format, ReadOptions options)
    {
        var events = Timeline(file, out long lastTick);
        var pairing = new NotePairing(options.SustainPedal, events.Length / 2);
        long tempo = DefaultTempo,
            now = 0,
            prevTick = 0;
        foreach (var ev in events)
        {
            now += (ev.Tick - prevTick) * tempo;
            prevTick = ev.Tick;
            switch (ev.Event)
            {
                case TempoEvent te:
                    if (te.MicrosecondsPerQuarterNote > 0)
                        tempo = te.MicrosecondsPerQuarterNote;
                    break;
                case NoteEvent ne when ne.CommandCode is MidiCommandCode.NoteOn or MidiCommandCode.NoteOff:
                    if (!(options.DropDrums && ne.Channel == DrumChannel))
                        pairing.Key(ne.Channel, ne.NoteNumber & 0x7f, IsOn(ne), ne.Velocity, ev.Tick, now);
                    break;
                case ControlChangeEvent cc when options.SustainPedal && (int)cc.Controller == 64:
                    if (!(options.DropDrums && cc.Channel == DrumChannel))
                        pairing.Pedal(cc.Channel, cc.ControllerValue >= 64, ev.Tick, now);
                    break;
            }
        }
        return new MidiScore(
            file.DeltaTicksPerQuarterNote,
            format,
            file.Events.Tracks,
            pairing.Finish(lastTick, now),
            lastTick,
            now
        );
    }

    static bool IsOn(NoteEvent e) => e.CommandCode == MidiCommandCode.NoteOn && e.Velocity > 0;

    /// <summary>All tracks' events in one array, in (tick, track, index) order; <paramref name="lastTick"/> is the
    /// file's last event. Each track read from bytes is in tick order (absolute times are running sums of non-negative
    /// deltas), so the tracks are merged one after another, earlier tracks first on ties: no general sort.</summary>
    static Ev[] Timeline(MidiFile file, out long lastTick)
    {
        int total = 0;
        for (int t = 0; t < file.Events.Tracks; t++)
            total += file.Events[t].Count;
        var merged = new Ev[total];
        var scratch = new Ev[total];
        int count = 0;
        lastTick = 0;
        for (int t = 0; t < file.Events.Tracks; t++)
        {
            var track = file.Events[t];
            int i = 0,
                j = 0,
                k = 0;
            while (i < count || j < track.Count)
            {
                // Ties go to what is merged already: the earlier tracks.
                if (j == track.Count || (i < count && merged[i].Tick <= track[j].AbsoluteTime))
                    scratch[k++] = merged[i++];
                else
                {
                    var e = track[j];
                    scratch[k++] = new Ev(e.AbsoluteTime, t, j++, e);
                    lastTick = Math.Max(lastTick, e.AbsoluteTime);
                }
            }
            (merged, scratch) = (scratch, merged);
            count = k;
        }
        for (int i = 1; i < merged.Length; i++)
            if (merged[i].Tick < merged[i - 1].Tick) // a track out of order after all: sort it all, as defined
            {
                Array.Sort(
                    merged,
                    static (a, b) =>
                        a.Tick != b.Tick ? a.Tick.CompareTo(b.Tick)
                        : a.Track != b.Track ? a.Track.CompareTo(b.Track)
                        : a.Index.CompareTo(b.Index)
                );
                break;
            }
        return merged;
    }
}

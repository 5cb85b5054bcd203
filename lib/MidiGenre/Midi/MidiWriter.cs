using NAudio.Midi;

namespace MidiGenre.Midi;

/// <summary>A tempo change at a tick (µs per quarter note).</summary>
public readonly record struct TempoChange(long Tick, int MicrosecondsPerQuarter);

/// <summary>A controller change (e.g. 64 = sustain pedal) at a tick on a channel (1…16).</summary>
public readonly record struct ControlChange(long Tick, int Channel, int Controller, int Value);

/// <summary>Writes notes as a format-1 Standard MIDI File with NAudio.Midi: track 0 holds the tempo map,
/// track 1 the notes and controllers.</summary>
public static class MidiWriter
{
    /// <param name="notes">Notes with tick times (OnTick/OffTick); channels 1…16.</param>
    public static void Write(
        string path,
        IEnumerable<MidiNote> notes,
        int ticksPerQuarter = 480,
        int tempo = MidiReader.DefaultTempo,
        int program = 0,
        IEnumerable<TempoChange>? tempoMap = null,
        IEnumerable<ControlChange>? controls = null
    )
    {
        var collection = Build(notes, ticksPerQuarter, tempo, program, tempoMap, controls);
        AtomicFile.Write(path, s => MidiFile.Export(s, collection));
    }

    public static byte[] ToBytes(
        IEnumerable<MidiNote> notes,
        int ticksPerQuarter = 480,
        int tempo = MidiReader.DefaultTempo,
        int program = 0,
        IEnumerable<TempoChange>? tempoMap = null,
        IEnumerable<ControlChange>? controls = null
    )
    {
        var ms = new MemoryStream();
        MidiFile.Export(ms, Build(notes, ticksPerQuarter, tempo, program, tempoMap, controls));
        return ms.ToArray();
    }

    static MidiEventCollection Build(
        IEnumerable<MidiNote> notes,
        int ppq,
        int tempo,
        int program,
        IEnumerable<TempoChange>? tempoMap,
        IEnumerable<ControlChange>? controls
    )
    {
        var c = new MidiEventCollection(1, ppq);
        c.AddTrack();
        c.AddTrack();
        long end = 0;
        c.AddEvent(new TempoEvent(tempo, 0), 0);
        foreach (var t in tempoMap ?? [])
        {
            c.AddEvent(new TempoEvent(t.MicrosecondsPerQuarter, t.Tick), 0);
            end = Math.Max(end, t.Tick);
        }
        var channels = new HashSet<int>();
        // Order at one tick: controllers, note-offs, note-ons, then the offs of zero-length notes. Offs before ons let
        // a note end where the next one on its pitch starts; a zero-length note's off must follow its own on, or the
        // reader would pair the off with an earlier note and leave this one sounding to the end of the track.
        var evs = new List<(long Tick, int Order, MidiEvent E)>();
        foreach (var cc in controls ?? [])
        {
            evs.Add((cc.Tick, 0, new ControlChangeEvent(cc.Tick, cc.Channel, (MidiController)cc.Controller, cc.Value)));
            end = Math.Max(end, cc.Tick);
        }
        foreach (var n in notes)
        {
            if (channels.Add(n.Channel))
                c.AddEvent(new PatchChangeEvent(0, n.Channel, program), 1);
            evs.Add((n.OnTick, 2, new NoteEvent(n.OnTick, n.Channel, MidiCommandCode.NoteOn, n.Pitch, n.Velocity)));
            int offOrder = n.OffTick <= n.OnTick ? 3 : 1;
            evs.Add((n.OffTick, offOrder, new NoteEvent(n.OffTick, n.Channel, MidiCommandCode.NoteOff, n.Pitch, 0)));
            end = Math.Max(end, n.OffTick);
        }
        foreach (var (_, _, e) in evs.OrderBy(x => x.Tick).ThenBy(x => x.Order))
            c.AddEvent(e, 1);
        c.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, end), 0);
        c.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, end), 1);
        c.PrepareForExport();
        return c;
    }
}

namespace MidiGenre.Midi;

/// <summary>
/// The pairing rule of <see cref="MidiReader"/>, fed one event at a time in timeline order: FIFO per (channel, pitch);
/// a note-on with velocity 0 is a note-off; unmatched note-offs are ignored; with the sustain pedal, a note released
/// while the pedal is down sounds until the pedal lifts or its key is struck again; notes still open close at the
/// file's last event.
/// </summary>
sealed class NotePairing(bool sustainPedal, int capacity)
{
    readonly List<MidiNote> _notes = new(capacity);
    readonly Queue<Onset>?[] _open = new Queue<Onset>?[16 * 128];
    readonly List<Onset>?[] _held = new List<Onset>?[16 * 128];
    readonly bool[] _pedal = new bool[16];

    readonly record struct Onset(long Tick, long Time, int Velocity);

    /// <summary>A key event on channel 1…16 at a tick and its exact time.</summary>
    public void Key(int channel, int pitch, bool on, int velocity, long tick, long time)
    {
        int key = (channel - 1) * 128 + pitch;
        if (on)
        {
            if (sustainPedal)
                Release(key, tick, time);
            (_open[key] ??= new()).Enqueue(new Onset(tick, time, Math.Min(velocity, 127)));
        }
        else if (_open[key] is { Count: > 0 } q)
        {
            var n = q.Dequeue();
            if (sustainPedal && _pedal[channel - 1])
                (_held[key] ??= new()).Add(n);
            else
                _notes.Add(Note(key, n, tick, time));
        }
    }

    /// <summary>The sustain pedal (controller 64) on channel 1…16 goes down or up.</summary>
    public void Pedal(int channel, bool down, long tick, long time)
    {
        int ch = channel - 1;
        if (_pedal[ch] && !down)
            for (int p = 0; p < 128; p++)
                Release(ch * 128 + p, tick, time);
        _pedal[ch] = down;
    }

    /// <summary>Closes what is still sounding at the file's last event; the notes in (onset time, pitch)
    /// order.</summary>
    public List<MidiNote> Finish(long lastTick, long lastTime)
    {
        for (int key = 0; key < _open.Length; key++)
        {
            Release(key, lastTick, lastTime);
            if (_open[key] is { } q)
                while (q.Count > 0)
                    _notes.Add(Note(key, q.Dequeue(), lastTick, lastTime));
        }
        _notes.Sort(static (a, b) => a.OnTime != b.OnTime ? a.OnTime.CompareTo(b.OnTime) : a.Pitch.CompareTo(b.Pitch));
        return _notes;
    }

    void Release(int key, long tick, long time)
    {
        if (_held[key] is not { Count: > 0 } list)
            return;
        foreach (var n in list)
            _notes.Add(Note(key, n, tick, time));
        list.Clear();
    }

    static MidiNote Note(int key, Onset on, long offTick, long offTime) =>
        new(key / 128 + 1, key % 128, on.Velocity, on.Tick, offTick, on.Time, offTime);
}

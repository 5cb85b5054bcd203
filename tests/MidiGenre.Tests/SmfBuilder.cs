namespace MidiGenre.Tests;

/// <summary>Builds Standard MIDI File bytes by hand, so tests control every byte (independent of NAudio's
/// writer).</summary>
public sealed class SmfBuilder(int format = 1, int ppq = 480)
{
    readonly List<List<byte>> _tracks = [];
    List<byte> _cur = null!;
    public int Ppq => ppq;

    public SmfBuilder Track()
    {
        _cur = [];
        _tracks.Add(_cur);
        return this;
    }

    public SmfBuilder Raw(int delta, params byte[] bytes)
    {
        VarLen(_cur, delta);
        _cur.AddRange(bytes);
        return this;
    }

    public SmfBuilder On(int delta, int ch, int pitch, int vel) =>
        Raw(delta, (byte)(0x90 | ch), (byte)pitch, (byte)vel);

    public SmfBuilder Off(int delta, int ch, int pitch) => Raw(delta, (byte)(0x80 | ch), (byte)pitch, 64);

    public SmfBuilder Cc(int delta, int ch, int controller, int value) =>
        Raw(delta, (byte)(0xB0 | ch), (byte)controller, (byte)value);

    public SmfBuilder Tempo(int delta, int usPerQuarter) =>
        Raw(delta, 0xFF, 0x51, 0x03, (byte)(usPerQuarter >> 16), (byte)(usPerQuarter >> 8), (byte)usPerQuarter);

    public SmfBuilder Meta(int delta, byte type, params byte[] payload)
    {
        var b = new List<byte> { 0xFF, type };
        VarLen(b, payload.Length);
        b.AddRange(payload);
        return Raw(delta, b.ToArray());
    }

    public SmfBuilder End(int delta = 0) => Raw(delta, 0xFF, 0x2F, 0x00);

    public byte[] Bytes(int? division = null)
    {
        var b = new List<byte> { (byte)'M', (byte)'T', (byte)'h', (byte)'d', 0, 0, 0, 6 };
        Be16(b, format);
        Be16(b, _tracks.Count);
        Be16(b, division ?? ppq);
        foreach (var t in _tracks)
        {
            b.AddRange("MTrk"u8.ToArray());
            Be32(b, t.Count);
            b.AddRange(t);
        }
        return b.ToArray();
    }

    static void Be16(List<byte> b, int v)
    {
        b.Add((byte)(v >> 8));
        b.Add((byte)v);
    }

    static void Be32(List<byte> b, int v)
    {
        b.Add((byte)(v >> 24));
        b.Add((byte)(v >> 16));
        b.Add((byte)(v >> 8));
        b.Add((byte)v);
    }

    static void VarLen(List<byte> b, int v)
    {
        var stack = new Stack<byte>();
        stack.Push((byte)(v & 0x7f));
        while ((v >>= 7) > 0)
            stack.Push((byte)(0x80 | (v & 0x7f)));
        b.AddRange(stack);
    }
}

namespace MidiGenre.Midi;

/// <summary>A MIDI file that cannot be read as a Standard MIDI File (format 0 or 1, ticks per quarter note).
/// Carries the file name and the byte offset where reading stopped.</summary>
public sealed class MidiFormatException : Exception
{
    public string File { get; }
    public long Offset { get; }
    public string Reason { get; }

    public MidiFormatException(string file, long offset, string reason, Exception? inner = null)
        : base($"{file}: invalid MIDI at byte {offset}: {reason}", inner)
    {
        File = file;
        Offset = offset;
        Reason = reason;
    }
}

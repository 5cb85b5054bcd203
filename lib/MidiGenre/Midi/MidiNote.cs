namespace MidiGenre.Midi;

/// <summary>One sounding note. Times are exact integers: <c>N = Σ Δticks × tempo</c> (tick·µs per quarter note);
/// seconds = N / (PPQ × 1 000 000).</summary>
public readonly record struct MidiNote(
    int Channel,
    int Pitch,
    int Velocity,
    long OnTick,
    long OffTick,
    long OnTime,
    long OffTime
);

/// <summary>The notes of one file with the file's time base.</summary>
public sealed record MidiScore(
    int TicksPerQuarter,
    int Format,
    int Tracks,
    IReadOnlyList<MidiNote> Notes,
    long LastTick,
    long LastTime
)
{
    /// <summary>Converts an exact time N into seconds.</summary>
    public double Seconds(long time) => time / (TicksPerQuarter * 1_000_000.0);

    public double DurationSeconds => Seconds(LastTime);
}

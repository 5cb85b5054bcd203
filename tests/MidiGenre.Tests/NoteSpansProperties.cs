using FsCheck.Xunit;
using MidiGenre.Encoding;
using MidiGenre.Midi;

namespace MidiGenre.Tests;

/// <summary>The sparse form (what the cache keeps and training draws batches from) is the same roll as the dense
/// one, window by window, bit for bit.</summary>
public class NoteSpansProperties
{
    static MidiScore RandomScore(int seed) => MidiReader.Read(RoundTripProperties.RandomMidi(seed, 120), "r.mid");

    /// <summary>The encoder spec, written out densely and independently of <see cref="NoteSpans"/>.</summary>
    static PianoRoll ReferenceRoll(MidiScore score)
    {
        long unit = score.TicksPerQuarter * PianoRollEncoder.MicrosecondsPerBin;
        var spans = score
            .Notes.Select(n =>
                (
                    Bin: (int)(n.OnTime / unit),
                    Length: (int)Math.Max(1, (n.OffTime - n.OnTime) / unit),
                    n.Pitch,
                    n.Velocity
                )
            )
            .ToList();
        var roll = new PianoRoll(spans.Count == 0 ? 0 : spans.Max(s => s.Bin + s.Length));
        foreach (var s in spans)
        {
            roll[PianoRoll.Onset, s.Bin, s.Pitch] = 1;
            for (int t = s.Bin; t < s.Bin + s.Length; t++)
                roll[PianoRoll.Frame, t, s.Pitch] = (byte)Math.Max(roll[PianoRoll.Frame, t, s.Pitch], s.Velocity);
        }
        return roll;
    }

    [Property(MaxTest = 200)]
    public void Drawn_in_full_the_spans_are_the_encoder_specs_roll(int seed)
    {
        var score = RandomScore(seed);
        var spans = PianoRollEncoder.Spans(score);
        Assert.Equal(score.Notes.Count, spans.Count);
        Assert.True(ReferenceRoll(score).Equals(spans.ToRoll()), $"seed {seed}");
    }

    [Property(MaxTest = 300)]
    public void Any_window_any_transposition_matches_the_dense_rolls_segment(int seed)
    {
        var spans = PianoRollEncoder.Spans(RandomScore(seed));
        var roll = spans.ToRoll();
        // FsCheck's integers stay small; the window is drawn from the seed so it falls anywhere: before, across
        // and past the end of the roll, at short and segment-like lengths.
        var rng = new Random(seed);
        int start = rng.Next(-100, roll.Frames + 100);
        int length = rng.Next(1, 120);
        int semitones = rng.Next(-12, 13);
        var expected = new float[2 * length * PianoRoll.Pitches];
        var actual = new float[expected.Length];
        actual.AsSpan().Fill(-1); // must be overwritten everywhere
        SegmentReader.Copy(roll, start, length, expected, semitones);
        spans.Rasterize<float>(start, length, actual, semitones);
        Assert.Equal(expected, actual);
    }

    [Property(MaxTest = 50)]
    public void Written_and_read_back_as_npy_the_spans_are_unchanged(int seed)
    {
        var spans = PianoRollEncoder.Spans(RandomScore(seed));
        string path = Path.Combine(Path.GetTempPath(), $"midigenre-spans-{Environment.ProcessId}-{seed}.notes.npy");
        try
        {
            spans.Write(path);
            var back = NoteSpans.Read(path);
            Assert.Equal(spans.Spans.ToArray(), back.Spans.ToArray());
            Assert.Equal(spans.Frames, back.Frames);
            Assert.Throws<InvalidDataException>(() => Npy.ReadRoll(path)); // int32 spans are not a uint8 roll
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_long_held_note_reaches_windows_far_after_its_onset()
    {
        // One note held for 1 000 bins among short ones: the window lookup must not stop at recent onsets.
        var spans = new NoteSpans([
            new NoteSpan(0, 1000, 40, 90),
            .. Enumerable.Range(0, 300).Select(i => new NoteSpan(i * 3, 2, 70, 50)),
        ]);
        var window = new float[2 * 10 * PianoRoll.Pitches];
        spans.Rasterize<float>(950, 10, window);
        int frame = 10 * PianoRoll.Pitches;
        Assert.All(Enumerable.Range(0, 10), t => Assert.Equal(90f, window[frame + t * PianoRoll.Pitches + 40]));
        Assert.Equal(0f, window[40]); // no onset: it began long before
    }

    [Fact]
    public void Invalid_spans_are_refused_with_what_is_wrong()
    {
        var e = Assert.Throws<InvalidDataException>(() => new NoteSpans([new NoteSpan(3, 0, 60, 80)]));
        Assert.Contains("Length = 0", e.Message);
        Assert.Throws<InvalidDataException>(() => new NoteSpans([new NoteSpan(3, 2, 128, 80)]));
    }
}

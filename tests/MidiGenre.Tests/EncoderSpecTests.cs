using MidiGenre.Encoding;
using MidiGenre.Midi;

namespace MidiGenre.Tests;

/// <summary>The encoding spec, case by case, on hand-built files. At PPQ 480 and 120 bpm one bin is 48 ticks.</summary>
public class EncoderSpecTests
{
    static PianoRoll Encode(SmfBuilder b, ReadOptions? o = null) =>
        PianoRollEncoder.Encode(MidiReader.Read(b.Bytes(), "test.mid", o));

    [Fact]
    public void Single_note_sets_onset_frames_and_length()
    {
        // on at tick 96 (bin 2), off at 96+240 = 336 → N diff = 240 ticks = 5 bins
        var roll = Encode(new SmfBuilder().Track().On(96, 0, 60, 100).Off(240, 0, 60).End());
        Assert.Equal(7, roll.Frames);
        Assert.Equal(1, roll[0, 2, 60]);
        Assert.Equal(1, roll.CountOnsets());
        for (int t = 0; t < 7; t++)
            Assert.Equal(t is >= 2 and < 7 ? 100 : 0, roll[1, t, 60]);
    }

    [Fact]
    public void Length_is_at_least_one_bin_and_floors()
    {
        // 10 ticks long: floor(10/48) = 0 → 1 bin; 95 ticks: floor = 1 bin
        var roll = Encode(
            new SmfBuilder().Track().On(0, 0, 60, 50).Off(10, 0, 60).On(0, 0, 62, 50).Off(95, 0, 62).End()
        );
        Assert.Equal(50, roll[1, 0, 60]);
        Assert.Equal(50, roll[1, 0, 62]);
        Assert.Equal(1, roll.Frames); // both notes: bin 0, length 1 → T = 1
    }

    [Fact]
    public void Tempo_map_from_another_track_applies_with_exact_integers()
    {
        // Track 0 halves the tempo (1 000 000 µs/q) at tick 480; track 1 plays a note from tick 480 to 960.
        var b = new SmfBuilder().Track().Tempo(480, 1_000_000).End().Track().On(480, 0, 64, 90).Off(480, 0, 64).End();
        var roll = Encode(b);
        // N_on = 480·500000 → bin 10; N_off − N_on = 480·1e6 → 20 bins
        Assert.Equal(1, roll[0, 10, 64]);
        Assert.Equal(30, roll.Frames);
        Assert.Equal(90, roll[1, 29, 64]);
    }

    [Fact]
    public void Notes_pair_first_in_first_out_and_velocity_zero_is_note_off()
    {
        // Two note-ons on the same key, then two offs (the second as note-on velocity 0).
        var b = new SmfBuilder().Track().On(0, 0, 60, 40).On(48, 0, 60, 80).Off(48, 0, 60).On(192, 0, 60, 0).End();
        var roll = Encode(b);
        // FIFO: first (v40, tick 0) ends at 96 → bins 0-1; second (v80, tick 48) ends at 288 → bins 1..4 (240/48 = 5 →
        // 1..5)
        Assert.Equal(40, roll[1, 0, 60]);
        Assert.Equal(80, roll[1, 1, 60]); // max where they overlap
        Assert.Equal(80, roll[1, 5, 60]);
        Assert.Equal(6, roll.Frames);
        Assert.Equal(1, roll[0, 0, 60]);
        Assert.Equal(1, roll[0, 1, 60]);
    }

    [Fact]
    public void Unmatched_note_off_is_ignored_and_open_notes_close_at_the_last_event()
    {
        var b = new SmfBuilder()
            .Track()
            .Off(0, 0, 70)
            .On(0, 0, 72, 60)
            .End(480) // track 0 ends at tick 480
            .Track()
            .End(960); // track 1 ends at 960: the file's last event
        var roll = Encode(b);
        Assert.Equal(0, roll[0, 0, 70]);
        Assert.Equal(20, roll.Frames); // 960 ticks = 20 bins
        Assert.Equal(60, roll[1, 19, 72]);
    }

    [Fact]
    public void Ties_at_equal_ticks_are_ordered_by_track_then_position()
    {
        // Track 0's note-on comes before track 1's note-off at the same tick, so the off closes it at once.
        var b = new SmfBuilder().Track().On(48, 0, 60, 70).End(480).Track().Off(48, 0, 60).End(480);
        var roll = Encode(b);
        Assert.Equal(1, roll[0, 1, 60]);
        Assert.Equal(70, roll[1, 1, 60]);
        Assert.Equal(2, roll.Frames); // closed at tick 48 by track 1 → length max(1, 0) = 1
        // Reversed tracks: the off comes first (unmatched, ignored), the note stays open to the end.
        var reversed = new SmfBuilder().Track().Off(48, 0, 60).End(480).Track().On(48, 0, 60, 70).End(480);
        Assert.Equal(70, Encode(reversed)[1, 9, 60]);
    }

    [Fact]
    public void Drums_are_kept_by_default_and_dropped_on_request()
    {
        var b = new SmfBuilder().Track().On(0, 9, 36, 100).Off(48, 9, 36).On(0, 0, 60, 50).Off(48, 0, 60).End();
        Assert.Equal(1, Encode(b)[0, 0, 36]);
        var dropped = Encode(b, new ReadOptions(DropDrums: true));
        Assert.Equal(0, dropped[0, 0, 36]);
        Assert.Equal(1, dropped[0, 1, 60]);
    }

    [Fact]
    public void Sustain_pedal_holds_released_notes_until_pedal_up()
    {
        var b = new SmfBuilder().Track().Cc(0, 0, 64, 127).On(0, 0, 60, 80).Off(48, 0, 60).Cc(192, 0, 64, 0).End(48);
        Assert.Equal(1, Encode(b).Frames);
        var sustained = Encode(b, new ReadOptions(SustainPedal: true));
        Assert.Equal(5, sustained.Frames); // held to the pedal release at tick 240
        Assert.Equal(80, sustained[1, 4, 60]);
    }

    [Fact]
    public void Restrike_under_pedal_ends_the_held_note()
    {
        var b = new SmfBuilder()
            .Track()
            .Cc(0, 0, 64, 127)
            .On(0, 0, 60, 80)
            .Off(48, 0, 60)
            .On(96, 0, 60, 30)
            .Off(48, 0, 60)
            .Cc(48, 0, 64, 0)
            .End();
        var roll = Encode(b, new ReadOptions(SustainPedal: true));
        Assert.Equal(80, roll[1, 2, 60]); // first note held until the restrike at tick 144 (bin 3)
        Assert.Equal(30, roll[1, 3, 60]); // the restrike starts fresh
        Assert.Equal(1, roll[0, 3, 60]);
    }

    [Fact]
    public void Format_2_and_smpte_are_typed_errors_with_offsets()
    {
        var f2 = new SmfBuilder(format: 2).Track().End();
        var e = Assert.Throws<MidiFormatException>(() => MidiReader.Read(f2.Bytes(), "f2.mid"));
        Assert.Equal("f2.mid", e.File);
        Assert.Contains("format 2", e.Message);
        var smpte = new SmfBuilder().Track().End();
        var e2 = Assert.Throws<MidiFormatException>(() => MidiReader.Read(smpte.Bytes(division: 0xE728), "s.mid"));
        Assert.Equal(12, e2.Offset);
    }

    [Fact]
    public void Invalid_key_signature_mode_still_encodes()
    {
        var b = new SmfBuilder().Track().Meta(0, 0x59, 0x02, 0x05).On(0, 0, 60, 64).Off(48, 0, 60).End();
        Assert.Equal(1, Encode(b)[0, 0, 60]);
    }

    [Fact]
    public void File_without_notes_gives_an_empty_roll()
    {
        var roll = Encode(new SmfBuilder().Track().Tempo(0, 400000).End(960));
        Assert.Equal(0, roll.Frames);
    }

    [Fact]
    public void Writer_keeps_zero_length_notes_short_and_repeated_notes_apart()
    {
        // A zero-length note at tick 480 and a note on the same pitch ending where the next one starts (960).
        MidiNote N(int pitch, long on, long off) => new(1, pitch, 80, on, off, 0, 0);
        var bytes = MidiWriter.ToBytes([N(60, 480, 480), N(64, 0, 960), N(64, 960, 1440), N(67, 0, 1920)]);
        var read = MidiReader.Read(bytes, "written.mid").Notes.OrderBy(n => n.Pitch).ThenBy(n => n.OnTick).ToList();
        Assert.Equal(
            [(60, 480L, 480L), (64, 0L, 960L), (64, 960L, 1440L), (67, 0L, 1920L)],
            read.Select(n => (n.Pitch, n.OnTick, n.OffTick))
        );
    }

    [Theory]
    [InlineData(new byte[0], 0)]
    [InlineData(new byte[] { (byte)'M', (byte)'T', (byte)'h', (byte)'d', 0, 0 }, 0)]
    public void Empty_or_short_files_are_typed_errors(byte[] bytes, long offset)
    {
        var e = Assert.Throws<MidiFormatException>(() => MidiReader.Read(bytes, "bad.mid"));
        Assert.Equal(offset, e.Offset);
    }
}

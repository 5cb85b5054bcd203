using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MidiGenre.Encoding;
using MidiGenre.Midi;

namespace MidiGenre.Tests;

/// <summary>encode ∘ decode is the identity on every roll the encoder can produce.</summary>
public class RoundTripProperties
{
    /// <summary>A random "performance": random notes (overlaps on the same pitch included), random PPQ and tempo
    /// map.</summary>
    internal static byte[] RandomMidi(int seed, int maxNotes = 60)
    {
        var rng = new Random(seed);
        int ppq = new[] { 96, 220, 384, 480, 960 }[rng.Next(5)];
        int n = rng.Next(0, maxNotes);
        var notes = new List<MidiNote>();
        int lowPitch = rng.Next(0, 100),
            span = rng.Next(1, 28);
        for (int i = 0; i < n; i++)
        {
            long on = rng.Next(0, 40 * ppq);
            long len = rng.Next(1, 6 * ppq);
            notes.Add(new MidiNote(1 + rng.Next(3), lowPitch + rng.Next(span), rng.Next(1, 128), on, on + len, 0, 0));
        }
        var tempos = Enumerable
            .Range(0, rng.Next(0, 6))
            .Select(_ => new TempoChange(rng.Next(0, 40 * ppq), rng.Next(200_000, 1_500_000)))
            .ToList();
        return MidiWriter.ToBytes(notes, ppq, rng.Next(300_000, 900_000), 0, tempos);
    }

    [Property(MaxTest = 300)]
    public void Encode_of_decode_is_identity(int seed)
    {
        var roll = PianoRollEncoder.Encode(MidiReader.Read(RandomMidi(seed), "random.mid"));
        var again = PianoRollEncoder.Encode(MidiReader.Read(PianoRollDecoder.ToMidiBytes(roll), "decoded.mid"));
        Assert.Equal(roll.Frames, again.Frames);
        Assert.True(roll.Equals(again), $"seed {seed}: roll changed after decode → encode");
    }

    [Property(MaxTest = 100)]
    public Property Npy_round_trip_keeps_shape_and_bytes() =>
        Prop.ForAll(
            Gen.Choose(0, 300).ToArbitrary(),
            frames =>
            {
                var roll = new PianoRoll(frames);
                new Random(frames).NextBytes(roll.Data);
                var ms = new MemoryStream();
                Npy.Write(ms, roll.Data, [2, frames, 128]);
                ms.Position = 0;
                var (data, shape) = Npy.Read(ms);
                return shape.SequenceEqual(new[] { 2, frames, 128 })
                    && data.AsSpan().SequenceEqual(roll.Data)
                    && ms.Position == ms.Length
                    && (ms.Length - roll.Data.Length) % 64 == 0;
            }
        );
}

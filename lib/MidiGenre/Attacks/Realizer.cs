using MidiGenre.Encoding;
using MidiGenre.Midi;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// Turns perturbed tensors into music: projects onto valid rolls, writes MIDI, reads it back. One MIDI note has one
/// onset and one velocity, so a valid roll is a sequence of note runs per pitch: a run starts at an onset (or in the
/// first bin, where a note may continue into the segment) and lasts while the frames sound, up to the next onset; its
/// frames all hold the note's one velocity. The projection rounds velocities to integers 0…127, thresholds onsets at
/// 0.5, lets a run start only where the onset channel says so, and gives every run the rounded mean of its perturbed
/// frames — the closest constant velocity, so a change inside a note becomes a change of that note's velocity, never
/// a stack of notes. With the clean segment as reference a note may get louder, softer or shorter, not longer
/// (frames raised from silence after it would make it a long, soft note); without one, such frames lengthen it. A
/// frame raised from silence elsewhere has no onset and stays silent (no ghost notes). A 1-channel (velocities only)
/// model has no onset channel: there a run is a stretch of sounding frames. Such rolls decode to one MIDI note per run
/// and survive decode → MIDI → encode exactly.
/// </summary>
public static class Realizer
{
    /// <summary>Projects one (2, T, 128) or (1, T, 128) segment (raw values) onto a valid roll. With a
    /// <paramref name="reference"/> (the clean segment), only pitches sounding in its first bin may continue into the
    /// segment.</summary>
    public static PianoRoll Project(
        ReadOnlySpan<float> segment,
        int channels,
        int frames,
        ReadOnlySpan<float> reference = default
    )
    {
        var roll = new PianoRoll(frames);
        int frameOffset = (channels - 1) * frames * PianoRoll.Pitches;
        for (int p = 0; p < PianoRoll.Pitches; p++)
        {
            int runStart = -1; // first bin of the open run, -1 when silent
            long runSum = 0;
            bool runIsNew = false; // started where the reference is silent: an inserted note
            for (int t = 0; t <= frames; t++)
            {
                int cell = frameOffset + t * PianoRoll.Pitches + p;
                int v = t == frames ? 0 : Velocity(segment[cell]);
                bool onsetMarked = t < frames && (channels == 1 || segment[t * PianoRoll.Pitches + p] >= 0.5f);
                bool continues = t == 0 && (reference.IsEmpty || reference[frameOffset + p] > 0);
                bool starts = v > 0 && (runStart < 0 ? onsetMarked || continues : channels == 2 && onsetMarked);
                // A note of the reference may get louder, softer or shorter, never longer: frames raised from
                // silence after it would turn into a long, soft note.
                if (v > 0 && !starts && runStart >= 0 && !runIsNew && !reference.IsEmpty && reference[cell] == 0)
                    v = 0;
                if (runStart >= 0 && (v == 0 || starts))
                {
                    WriteRun(roll, p, runStart, t, runSum);
                    runStart = -1;
                }
                if (starts)
                {
                    (runStart, runSum) = (t, 0);
                    runIsNew = !reference.IsEmpty && reference[cell] == 0;
                    roll[PianoRoll.Onset, t, p] = 1; // also where a note continues into the segment: it starts here
                }
                if (runStart >= 0)
                    runSum += v;
            }
        }
        return roll;
    }

    static int Velocity(float raw) => (int)Math.Clamp(Math.Round(raw), 0, 127);

    /// <summary>Frames start…end−1 of pitch <paramref name="p"/> at the run's one velocity: the rounded mean.</summary>
    static void WriteRun(PianoRoll roll, int p, int start, int end, long sum)
    {
        byte v = (byte)Math.Clamp(Math.Round(sum / (double)(end - start), MidpointRounding.AwayFromZero), 1, 127);
        for (int t = start; t < end; t++)
            roll[PianoRoll.Frame, t, p] = v;
    }

    /// <summary>decode → MIDI bytes → encode, padded back to <paramref name="frames"/> bins.</summary>
    public static (PianoRoll Roll, byte[] Midi) ThroughMidi(PianoRoll roll)
    {
        byte[] midi = PianoRollDecoder.ToMidiBytes(roll);
        var again = PianoRollEncoder.Encode(MidiReader.Read(midi, "realized.mid"));
        var padded = new PianoRoll(roll.Frames);
        for (int c = 0; c < PianoRoll.Channels; c++)
            again
                .Data.AsSpan(
                    c * again.Frames * PianoRoll.Pitches,
                    Math.Min(again.Frames, roll.Frames) * PianoRoll.Pitches
                )
                .CopyTo(padded.Data.AsSpan(c * roll.Frames * PianoRoll.Pitches));
        return (padded, midi);
    }

    /// <summary>Projects and round-trips a batch; returns the realised batch (same shape, raw values) and the rolls.
    /// <paramref name="reference"/>: the clean batch the perturbation started from, if any.</summary>
    public static (Tensor Batch, PianoRoll[] Rolls) Realize(Tensor batch, Tensor? reference = null)
    {
        long b = batch.shape[0],
            c = batch.shape[1],
            t = batch.shape[2];
        var data = batch.detach().cpu().data<float>().ToArray();
        var refData = reference?.detach().cpu().data<float>().ToArray();
        var result = new float[data.Length];
        var rolls = new PianoRoll[b];
        int per = (int)(c * t * PianoRoll.Pitches);
        Parallel.For(
            0,
            (int)b,
            i =>
            {
                var (roll, _) = ThroughMidi(
                    Project(
                        data.AsSpan(i * per, per),
                        (int)c,
                        (int)t,
                        refData == null ? default : refData.AsSpan(i * per, per)
                    )
                );
                rolls[i] = roll;
                var dest = result.AsSpan(i * per, per);
                if (c == 2)
                    for (int k = 0; k < per; k++)
                        dest[k] = roll.Data[k];
                else
                    for (int k = 0; k < per; k++)
                        dest[k] = roll.Data[(int)(t * PianoRoll.Pitches) + k];
            }
        );
        return (tensor(result, batch.shape).to(batch.device), rolls);
    }
}

using MidiGenre.Encoding;
using MidiGenre.Midi;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// Turns perturbed tensors into music: projects onto valid rolls, writes MIDI, reads it back. A valid roll has integer
/// velocities 0…127, onsets (0/1) only on sounding cells, an onset wherever a note run starts, and — because one MIDI
/// note has one velocity — frames that do not rise between onsets. The projection rounds velocities, thresholds onsets
/// at 0.5, lets a note start only where the onset channel says so (or in the first bin, where a note may continue into
/// the segment), and caps rises without an onset to the previous frame. So a small frame perturbation on a silent cell
/// does not become a ghost note, and existing notes may get louder, softer or longer — with 2-channel input. A
/// 1-channel (velocities only) model has no onset channel, so there any sounding cell may start a note. Such rolls
/// survive decode → MIDI → encode exactly.
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
            int prev = 0;
            for (int t = 0; t < frames; t++)
            {
                int v = (int)Math.Clamp(Math.Round(segment[frameOffset + t * PianoRoll.Pitches + p]), 0, 127);
                bool onsetMarked = channels == 1 || segment[t * PianoRoll.Pitches + p] >= 0.5f;
                bool continues = t == 0 && (reference.IsEmpty || reference[frameOffset + p] > 0);
                if (v > 0 && prev == 0 && !onsetMarked && !continues)
                    v = 0; // no onset, no new note
                bool onset = v > 0 && (prev == 0 || (channels == 2 && onsetMarked));
                if (v > 0 && !onset)
                    v = Math.Min(v, prev);
                roll[PianoRoll.Frame, t, p] = (byte)v;
                roll[PianoRoll.Onset, t, p] = (byte)(onset ? 1 : 0);
                prev = v;
            }
        }
        return roll;
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

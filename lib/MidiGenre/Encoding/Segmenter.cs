namespace MidiGenre.Encoding;

/// <summary>
/// The paper's segmentation: per piece a fixed number of windows (90 by default) of <see cref="WindowBins"/> bins,
/// spread evenly from the start to the end of the piece (overlapping when the piece is short, with gaps when it is
/// long). Training reads a random <see cref="CropBins"/>-bin crop inside each window; evaluation the centred crop.
/// </summary>
public sealed record SegmentSpec(int SegmentsPerPiece = 90, int WindowBins = 500, int CropBins = 400)
{
    public static readonly SegmentSpec Paper = new();

    /// <summary>Start bin of each window. Pieces shorter than a window get every window at 0 (zero-padded on
    /// read).</summary>
    public int[] WindowStarts(int frames)
    {
        var starts = new int[SegmentsPerPiece];
        int span = Math.Max(0, frames - WindowBins);
        for (int i = 0; i < SegmentsPerPiece; i++)
            starts[i] =
                SegmentsPerPiece == 1
                    ? span / 2
                    : (int)Math.Round((double)span * i / (SegmentsPerPiece - 1), MidpointRounding.AwayFromZero);
        return starts;
    }

    public int MaxCropOffset => WindowBins - CropBins;
    public int CentreCropOffset => MaxCropOffset / 2;
}

/// <summary>Copies segments out of rolls into dense buffers laid out as (2, crop, 128), with augmentation.</summary>
public static class SegmentReader
{
    /// <summary>Writes roll[:, start : start+length, :] into <paramref name="dest"/> (2×length×128 floats),
    /// transposed by <paramref name="semitones"/> (zero-filled), zero-padded past the end of the roll.</summary>
    public static void Copy(PianoRoll roll, int start, int length, Span<float> dest, int semitones = 0)
    {
        if (dest.Length != PianoRoll.Channels * length * PianoRoll.Pitches)
            throw new ArgumentException("destination size");
        dest.Clear();
        int p0 = Math.Max(0, semitones),
            p1 = Math.Min(PianoRoll.Pitches, PianoRoll.Pitches + semitones);
        for (int c = 0; c < PianoRoll.Channels; c++)
        for (int t = 0; t < length; t++)
        {
            int src = start + t;
            if (src < 0 || src >= roll.Frames)
                continue;
            var from = roll.Data.AsSpan(roll.Index(c, src, 0), PianoRoll.Pitches);
            var to = dest.Slice((c * length + t) * PianoRoll.Pitches, PianoRoll.Pitches);
            for (int p = p0; p < p1; p++)
                to[p] = from[p - semitones];
        }
    }

    /// <summary>Time-stretches a roll by <paramref name="factor"/> (&gt;1 slower): onsets move to floor(b·factor),
    /// frames are resampled nearest-neighbour, and every onset keeps a sounding frame.</summary>
    public static PianoRoll Stretch(PianoRoll roll, double factor)
    {
        if (factor <= 0)
            throw new ArgumentOutOfRangeException(nameof(factor));
        int frames = (int)Math.Round(roll.Frames * factor);
        var result = new PianoRoll(frames);
        for (int t = 0; t < frames; t++)
        {
            int src = Math.Min(roll.Frames - 1, (int)(t / factor));
            roll.Data.AsSpan(roll.Index(PianoRoll.Frame, src, 0), PianoRoll.Pitches)
                .CopyTo(result.Data.AsSpan(result.Index(PianoRoll.Frame, t, 0), PianoRoll.Pitches));
        }
        for (int t = 0; t < roll.Frames; t++)
        for (int p = 0; p < PianoRoll.Pitches; p++)
            if (roll[PianoRoll.Onset, t, p] != 0)
            {
                int nt = Math.Min(frames - 1, (int)(t * factor));
                result[PianoRoll.Onset, nt, p] = 1;
                if (result[PianoRoll.Frame, nt, p] == 0)
                    result[PianoRoll.Frame, nt, p] = roll[PianoRoll.Frame, t, p];
            }
        return result;
    }
}

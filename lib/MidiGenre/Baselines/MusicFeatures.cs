namespace MidiGenre.Baselines;

/// <summary>
/// What a music-information-retrieval baseline measures of a segment, beyond pitch histograms: the distributions of
/// inter-onset intervals, note lengths, onset velocities and melodic intervals of the top voice, and the
/// autocorrelation of the onset train (rhythmic periodicity). Computed from one (C, T, 128) raw roll (onsets 0/1 when
/// C = 2, velocities 0…127 in the last channel); every histogram sums to 1 (or is all zero for a silent segment).
/// </summary>
public static class MusicFeatures
{
    /// <summary>Upper bounds (bins of 50 ms) of the duration buckets shared by inter-onset intervals and note lengths:
    /// 1, 2, 3, 4, 5–6, 7–8, 9–12, 13–16, 17–24, 25–32, longer.</summary>
    static readonly int[] DurationBuckets = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, int.MaxValue];

    const int VelocityBuckets = 8; // of 16 velocity units each
    const int MaxInterval = 12; // melodic intervals −12…+12 semitones, wider ones clamped
    public const int AutocorrelationLags = 32; // 50 ms … 1.6 s

    public static int Count =>
        2 * DurationBuckets.Length + VelocityBuckets + (2 * MaxInterval + 1) + AutocorrelationLags;

    /// <summary>The features of one segment, in the order of <see cref="Names"/>.</summary>
    public static float[] Of(ReadOnlySpan<float> segment, int channels, int frames)
    {
        var notes = Notes(segment, channels, frames);
        var features = new List<float>(Count);
        var onsetTimes = notes.Select(n => n.Bin).Distinct().Order().ToArray();
        features.AddRange(
            Histogram(onsetTimes.Zip(onsetTimes.Skip(1), (a, b) => b - a), DurationBucket, DurationBuckets.Length)
        );
        features.AddRange(Histogram(notes.Select(n => n.Length), DurationBucket, DurationBuckets.Length));
        features.AddRange(Histogram(notes.Select(n => n.Velocity), v => Math.Min(v / 16, 7), VelocityBuckets));
        features.AddRange(Histogram(MelodicIntervals(notes), i => i + MaxInterval, 2 * MaxInterval + 1));
        features.AddRange(Autocorrelation(onsetTimes, frames));
        return [.. features];
    }

    static int DurationBucket(int bins) => Array.FindIndex(DurationBuckets, b => bins <= b);

    /// <summary>Notes of the roll: (start bin, length in bins, pitch, velocity at the onset). A note starts at a marked
    /// onset (or where a pitch begins to sound, for 1-channel rolls) and lasts while its pitch sounds, up to the next
    /// onset.</summary>
    static List<(int Bin, int Length, int Pitch, int Velocity)> Notes(ReadOnlySpan<float> x, int channels, int frames)
    {
        var notes = new List<(int, int, int, int)>();
        int frame = (channels - 1) * frames * 128;
        for (int p = 0; p < 128; p++)
        {
            int start = -1;
            for (int t = 0; t <= frames; t++)
            {
                float v = t < frames ? x[frame + t * 128 + p] : 0;
                bool onset =
                    t < frames
                    && v > 0
                    && (channels == 2 ? x[t * 128 + p] >= 0.5f : t == 0 || x[frame + (t - 1) * 128 + p] <= 0);
                if (start >= 0 && (v <= 0 || onset))
                {
                    notes.Add((start, t - start, p, (int)Math.Round(x[frame + start * 128 + p])));
                    start = -1;
                }
                if (onset)
                    start = t;
            }
        }
        return notes;
    }

    /// <summary>Signed intervals between successive onsets of the top voice (the highest pitch starting at each onset
    /// time), clamped to ±12.</summary>
    static IEnumerable<int> MelodicIntervals(List<(int Bin, int Length, int Pitch, int Velocity)> notes)
    {
        var top = notes.GroupBy(n => n.Bin).OrderBy(g => g.Key).Select(g => g.Max(n => n.Pitch)).ToArray();
        return top.Zip(top.Skip(1), (a, b) => Math.Clamp(b - a, -MaxInterval, MaxInterval));
    }

    /// <summary>Normalised autocorrelation of the onset train (1 where any note starts) at lags 1…32 bins.</summary>
    static float[] Autocorrelation(int[] onsetTimes, int frames)
    {
        var train = new float[frames];
        foreach (int t in onsetTimes)
            train[t] = 1;
        float energy = onsetTimes.Length;
        var result = new float[AutocorrelationLags];
        if (energy == 0)
            return result;
        for (int lag = 1; lag <= AutocorrelationLags; lag++)
        {
            float sum = 0;
            for (int t = 0; t + lag < frames; t++)
                sum += train[t] * train[t + lag];
            result[lag - 1] = sum / energy;
        }
        return result;
    }

    static float[] Histogram(IEnumerable<int> values, Func<int, int> bucket, int buckets)
    {
        var h = new float[buckets];
        int n = 0;
        foreach (int v in values)
        {
            h[bucket(v)]++;
            n++;
        }
        if (n > 0)
            for (int i = 0; i < buckets; i++)
                h[i] /= n;
        return h;
    }

    /// <summary>Feature names, for tables and importance plots.</summary>
    public static IEnumerable<string> Names =>
        DurationBuckets
            .Select(b => $"IOI ≤ {b} bins")
            .Concat(DurationBuckets.Select(b => $"note length ≤ {b} bins"))
            .Concat(Enumerable.Range(0, VelocityBuckets).Select(i => $"velocity {16 * i}–{16 * i + 15}"))
            .Concat(Enumerable.Range(-MaxInterval, 2 * MaxInterval + 1).Select(i => $"melodic interval {i:+0;-0;0}"))
            .Concat(Enumerable.Range(1, AutocorrelationLags).Select(l => $"onset autocorrelation, lag {l}"));
}

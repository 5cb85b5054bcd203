namespace MidiGenre.Baselines;

/// <summary>
/// What a music-information-retrieval baseline measures of a segment, beyond pitch histograms: the distributions of
/// inter-onset intervals, note lengths, onset velocities and melodic intervals of the top voice, and the
/// autocorrelation of the onset train (rhythmic periodicity), and what sounds together (jSymbolic's vertical-interval
/// family): the intervals between every pair of pitches sounding at each onset, their interval classes, how many
/// pitches sound at once, and how often the sounding pitch classes hold a major, minor, diminished or augmented triad,
/// a dominant or a minor seventh chord. Computed from one (C, T, 128) raw roll (onsets 0/1 when
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
    public const int MaxVerticalInterval = 24; // 1…24 semitones between notes sounding together, wider ones clamped
    public const int MaxVoices = 8; // pitches sounding at an onset: 1…7, 8 or more

    /// <summary>Chord templates, as pitch classes above a root, looked for in the pitch classes sounding at an onset
    /// (the first five are triads and sevenths a harmony feature would name; "other" is three or more pitch classes
    /// holding none of them).</summary>
    static readonly (string Name, int[] Intervals)[] Chords =
    [
        ("major triad", [0, 4, 7]),
        ("minor triad", [0, 3, 7]),
        ("diminished triad", [0, 3, 6]),
        ("augmented triad", [0, 4, 8]),
        ("dominant seventh", [0, 4, 7, 10]),
        ("minor seventh", [0, 3, 7, 10]),
    ];

    /// <summary>How many of the features describe single notes and rhythm (the first ones); the rest describe what
    /// sounds together.</summary>
    public static int NoteStatisticsCount =>
        2 * DurationBuckets.Length + VelocityBuckets + (2 * MaxInterval + 1) + AutocorrelationLags;

    public static int Count =>
        2 * DurationBuckets.Length
        + VelocityBuckets
        + (2 * MaxInterval + 1)
        + AutocorrelationLags
        + MaxVerticalInterval
        + 12
        + MaxVoices
        + Chords.Length
        + 1;

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
        var sounding = SoundingAtOnsets(notes, onsetTimes);
        var intervals = sounding.SelectMany(VerticalIntervals).ToList();
        features.AddRange(Histogram(intervals, i => Math.Min(i, MaxVerticalInterval) - 1, MaxVerticalInterval));
        features.AddRange(Histogram(intervals, i => i % 12, 12));
        features.AddRange(Histogram(sounding.Select(p => p.Length), v => Math.Min(v, MaxVoices) - 1, MaxVoices));
        features.AddRange(ChordShares(sounding));
        return [.. features];
    }

    /// <summary>The pitches sounding at each onset time (every note whose span covers it), in ascending order.
    /// </summary>
    static int[][] SoundingAtOnsets(List<(int Bin, int Length, int Pitch, int Velocity)> notes, int[] onsetTimes) =>
        [
            .. onsetTimes.Select(t =>
                notes.Where(n => n.Bin <= t && t < n.Bin + n.Length).Select(n => n.Pitch).Distinct().Order().ToArray()
            ),
        ];

    /// <summary>The interval in semitones between every pair of pitches sounding together (unisons cannot occur:
    /// one pitch sounds once).</summary>
    static IEnumerable<int> VerticalIntervals(int[] pitches)
    {
        for (int i = 0; i < pitches.Length; i++)
        for (int j = i + 1; j < pitches.Length; j++)
            yield return pitches[j] - pitches[i];
    }

    /// <summary>The share of onsets whose sounding pitch classes hold each chord template (over any root), and the
    /// share with three or more pitch classes holding none.</summary>
    static float[] ChordShares(int[][] sounding)
    {
        var shares = new float[Chords.Length + 1];
        if (sounding.Length == 0)
            return shares;
        foreach (var pitches in sounding)
        {
            int classes = pitches.Aggregate(0, (set, p) => set | 1 << (p % 12));
            bool any = false;
            for (int c = 0; c < Chords.Length; c++)
                if (Enumerable.Range(0, 12).Any(root => Holds(classes, root, Chords[c].Intervals)))
                {
                    shares[c]++;
                    any = true;
                }
            if (!any && int.PopCount(classes) >= 3)
                shares[Chords.Length]++;
        }
        for (int i = 0; i < shares.Length; i++)
            shares[i] /= sounding.Length;
        return shares;
    }

    static bool Holds(int classes, int root, int[] intervals) =>
        intervals.All(i => (classes & 1 << ((root + i) % 12)) != 0);

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
            .Concat(Enumerable.Range(1, AutocorrelationLags).Select(l => $"onset autocorrelation, lag {l}"))
            .Concat(
                Enumerable
                    .Range(1, MaxVerticalInterval)
                    .Select(i => $"vertical interval {i}{(i == MaxVerticalInterval ? "+" : "")} semitones")
            )
            .Concat(Enumerable.Range(0, 12).Select(i => $"vertical interval class {i}"))
            .Concat(Enumerable.Range(1, MaxVoices).Select(v => $"{v}{(v == MaxVoices ? "+" : "")} pitches sounding"))
            .Concat(Chords.Select(c => $"onsets holding a {c.Name}"))
            .Append("onsets with another chord of 3+ pitch classes");
}

using System.Globalization;
using MidiGenre.Midi;

namespace MidiGenre.Data;

/// <summary>What tells the invented composers apart.</summary>
public enum SyntheticDesign
{
    /// <summary>Each composer has a texture of their own (one voice, one texture per bar): what a roll shows over
    /// time. Statistics of the notes (intervals, chords, rhythm) see it too.</summary>
    Textures,

    /// <summary>Two voices, both cycling through all six textures on one rhythmic grid: a composer is which upper
    /// figure they set over each lower one. Every statistic of either voice, and of both together, is the same for
    /// all composers; only the vertical pairing — what a 2-D view of the roll sees at once — differs.</summary>
    Pairings,
}

/// <summary>Size and design of the generated corpus.</summary>
public sealed record SyntheticCorpusOptions(
    int PiecesPerComposer = 50,
    int MaxPerformancesPerPiece = 2,
    double MinSeconds = 30,
    double MaxSeconds = 50,
    int Seed = 2020,
    SyntheticDesign Design = SyntheticDesign.Pairings
)
{
    /// <summary>The cpu profile's corpus: 300 pieces, 60 of them in the test split.</summary>
    public static readonly SyntheticCorpusOptions Default = new();

    /// <summary>Small enough for tests and the smoke profile: 30 pieces, one texture per composer.</summary>
    public static readonly SyntheticCorpusOptions Smoke = new(
        PiecesPerComposer: 5,
        MaxPerformancesPerPiece: 2,
        MinSeconds: 25,
        MaxSeconds: 40,
        Design: SyntheticDesign.Textures
    );
}

/// <summary>
/// A deterministic stand-in for MAESTRO: real .mid files plus a catalog CSV in the MAESTRO v2.0.0 schema. Six invented
/// "composers" built from six bar-long textures — Alberti figures, chorale chords, stepwise running lines, wide
/// arpeggios, turns around chord tones, and parallel (non-diatonic) fourths — each playing 12 notes per bar, two
/// triplet-eighths long, so note density, onset rate and polyphony are the same for all; key, tempo, rubato, loudness
/// and register are drawn per piece from one distribution shared by all composers. Pieces get one or more
/// "performances" (timing, dynamics), so the piece-grouped split matters. Two designs (<see cref="SyntheticDesign"/>):
/// <list type="bullet">
/// <item><b>pairings</b> (the cpu profile's, 300 pieces): two voices, both on one grid and both cycling through all six
/// textures (chords broken onto the grid); a composer is which upper figure sits over each lower one, 25 % of the bars
/// borrowing another's pairing. Every statistic of the notes — histograms of pitch, intervals, durations, velocities,
/// rhythm — is the same for all composers (a test checks it), so the baselines sit at chance and what a CNN gains is
/// what a 2-D view of the roll sees: the two voices at once;</item>
/// <item><b>textures</b> (the smoke profile's, 30 pieces): one voice, each composer owning a texture, 40 % of the bars
/// borrowed; statistics of the notes see much of it.</item>
/// </list>
/// </summary>
public static class SyntheticCorpus
{
    /// <summary>MAESTRO's schema under its own name, so the corpus is opened as a catalog of its own labels, not as
    /// MAESTRO (whose default keeps the paper's 13 composers).</summary>
    public const string CatalogName = "catalog.csv";

    /// <summary>Bumped whenever the generator's output changes for the same options.</summary>
    public const int GeneratorVersion = 3;
    const string StampName = "generator.txt";

    static string Stamp(SyntheticCorpusOptions o) => $"midigenre synthetic corpus v{GeneratorVersion}; {o}";

    public static readonly IReadOnlyList<string> Composers =
    [
        "Alberti",
        "Chorale",
        "Fugato",
        "Arpeggio",
        "Ornament",
        "Impression",
    ];

    const int Ppq = 480;

    /// <summary>Share of bars whose texture is drawn from all composers instead of the piece's own.</summary>
    public const double BorrowedBars = 0.4;

    /// <summary>Share of bars (pairings design) whose pairing is drawn from all composers.</summary>
    public const double BorrowedPairings = 0.25;
    static readonly int[] Major = [0, 2, 4, 5, 7, 9, 11];

    /// <summary>Generates the corpus under <paramref name="root"/> unless its catalog is already there; returns the
    /// catalog path.</summary>
    public static string EnsureGenerated(string root, SyntheticCorpusOptions? options = null)
    {
        string catalog = Path.Combine(root, CatalogName),
            stamp = Path.Combine(root, StampName);
        options ??= SyntheticCorpusOptions.Default;
        if (File.Exists(catalog) && File.Exists(stamp) && File.ReadAllText(stamp) == Stamp(options))
            return catalog;
        // Another generator version or other options: start from an empty folder, so no stale file survives.
        if (Directory.Exists(root))
        {
            bool ours =
                new[] { StampName, CatalogName, "maestro-v2.0.0.csv" }.Any(f => File.Exists(Path.Combine(root, f)))
                || !Directory.EnumerateFileSystemEntries(root).Any();
            if (!ours)
                throw new IOException(
                    $"{root} holds files that are not a generated synthetic corpus; "
                        + $"move them or use another --data folder"
                );
            Directory.Delete(root, recursive: true);
        }
        return Generate(root, options);
    }

    /// <summary>Writes the corpus under <paramref name="root"/> (catalog at root, MIDI under year folders) and
    /// returns the catalog path. Re-running with the same options rewrites identical files.</summary>
    public static string Generate(string root, SyntheticCorpusOptions? options = null)
    {
        options ??= SyntheticCorpusOptions.Default;
        Directory.CreateDirectory(root);
        var rows = new List<string>
        {
            "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration",
        };
        var rng = Common.Seeds.Random(options.Seed, "synthetic");
        for (int c = 0; c < Composers.Count; c++)
        for (int p = 0; p < options.PiecesPerComposer; p++)
        {
            int pieceSeed = rng.Next();
            int performances = 1 + rng.Next(options.MaxPerformancesPerPiece);
            string title = $"Piece No. {p + 1} in {KeyName(pieceSeed % 12)}";
            string split = SplitOf(p, options.PiecesPerComposer);
            for (int k = 0; k < performances; k++)
            {
                int year = 2004 + (k + p) % 5;
                string rel = $"{year}/{Composers[c]}_{p + 1:D2}_{k + 1}.midi";
                string path = Path.Combine(root, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                double seconds = WritePiece(path, c, pieceSeed, performanceSeed: pieceSeed ^ (k + 1) * 7919, options);
                rows.Add(
                    string.Join(
                        ',',
                        Common.CsvText.Escape(Composers[c]),
                        Common.CsvText.Escape(title),
                        split,
                        year.ToString(CultureInfo.InvariantCulture),
                        rel,
                        rel.Replace(".midi", ".wav"),
                        seconds.ToString("F3", CultureInfo.InvariantCulture)
                    )
                );
            }
        }
        string catalog = Path.Combine(root, CatalogName);
        AtomicFile.WriteAllText(catalog, string.Join('\n', rows) + "\n");
        AtomicFile.WriteAllText(Path.Combine(root, StampName), Stamp(options));
        return catalog;
    }

    /// <summary>Piece-grouped, stratified by construction: per composer the last round(0.2 n) pieces are test and the
    /// round(0.15 n) before them validation (at least one each), the rest train — the same shares as
    /// <see cref="DataSplit.Stratified"/>. Pieces are independent draws, so their order carries no
    /// information.</summary>
    static string SplitOf(int piece, int pieces)
    {
        int nTest = Math.Max(1, (int)Math.Round(DataSplit.TestFraction * pieces));
        int nVal = Math.Max(1, (int)Math.Round(DataSplit.ValidationFraction * pieces));
        return piece >= pieces - nTest ? "test"
            : piece >= pieces - nTest - nVal ? "validation"
            : "train";
    }

    static string KeyName(int k) =>
        new[] { "C", "D-flat", "D", "E-flat", "E", "F", "F-sharp", "G", "A-flat", "A", "B-flat", "B" }[k] + " major";

    /// <summary>Composes one piece (score from the piece seed, expression from the performance seed); returns its
    /// length in seconds. Everything but the texture is drawn from the same ranges for every composer.</summary>
    static double WritePiece(string path, int composer, int pieceSeed, int performanceSeed, SyntheticCorpusOptions o)
    {
        var score = Common.Seeds.Random(pieceSeed, "synthetic-score");
        var perf = Common.Seeds.Random(performanceSeed, "synthetic-performance");
        int key = score.Next(12);
        double tempoBpm = 76 + 40 * score.NextDouble();
        double rubatoDepth = 0.02 + 0.08 * score.NextDouble();
        int velocity = score.Next(52, 85);
        int register = score.Next(54, 67);
        double targetSeconds = o.MinSeconds + (o.MaxSeconds - o.MinSeconds) * score.NextDouble();
        int bars = Math.Max(4, (int)(targetSeconds / (4 * 60.0 / tempoBpm)));

        var notes = new List<MidiNote>();
        var tempos = new List<TempoChange>();
        var progression = new[] { 0, 5, 3, 4, 0, 3, 4, 0 }; // I vi IV V I IV V I (scale degrees)
        // Pairings: the lower voice cycles through the textures in the piece's own order.
        // (Drawn only for pairings: a textures corpus stays what generator v2 wrote.)
        var cycle =
            o.Design == SyntheticDesign.Pairings
                ? Enumerable.Range(0, Composers.Count).OrderBy(_ => score.Next()).ToArray()
                : [];
        for (int bar = 0; bar < bars; bar++)
        {
            long barTick = (long)bar * 4 * Ppq;
            // Phrase-level dynamics: a swell over each 4-bar phrase, plus the performer's own level.
            double phrase = Math.Sin(Math.PI * (bar % 4 + 0.5) / 4);
            int vel = velocity + (int)(12 * (phrase - 0.5)) + perf.Next(-4, 5);
            int degree = progression[bar % progression.Length];
            double borrowed = o.Design == SyntheticDesign.Textures ? BorrowedBars : BorrowedPairings;
            int own = score.NextDouble() < borrowed ? score.Next(Composers.Count) : composer;
            if (o.Design == SyntheticDesign.Textures)
                Bar(own, key, degree, register - 12, barTick, vel, score, perf, notes, onGrid: false);
            else
            {
                // The composer's interval between the lower and the upper figure; a borrowed bar takes another's.
                int lower = cycle[bar % cycle.Length],
                    upper = (lower + own) % Composers.Count;
                Bar(lower, key, degree, register - 24, barTick, vel, score, perf, notes, onGrid: true);
                Bar(upper, key, degree, register + 3, barTick, vel, score, perf, notes, onGrid: true);
            }
            for (int beat = 0; beat < 4; beat++)
            {
                double rubato =
                    1
                    + rubatoDepth * (Math.Sin(2 * Math.PI * (bar * 4 + beat) / 16.0) + 0.5 * (perf.NextDouble() - 0.5));
                tempos.Add(new TempoChange(barTick + beat * Ppq, (int)(60_000_000 / (tempoBpm / rubato))));
            }
        }
        MidiWriter.Write(path, notes, Ppq, (int)(60_000_000 / tempoBpm), 0, tempos, []);
        double seconds = 0;
        foreach (var t in tempos)
            seconds += t.MicrosecondsPerQuarter / 1e6;
        return seconds;
    }

    static int Pitch(int key, int degree, int octaveBase) =>
        octaveBase + key + Major[((degree % 7) + 7) % 7] + 12 * (int)Math.Floor(degree / 7.0);

    static void Add(List<MidiNote> notes, Random perf, int pitch, long on, long length, int velocity)
    {
        if (pitch is < 21 or > 108)
            return;
        long jitter = perf.Next(-12, 13);
        long start = Math.Max(0, on + jitter);
        int v = Math.Clamp(velocity + perf.Next(-6, 7), 1, 127);
        notes.Add(new MidiNote(1, pitch, v, start, start + Math.Max(30, length - perf.Next(0, 40)), 0, 0));
    }

    /// <summary>One bar (4 quarters) of a texture over the chord on <paramref name="degree"/>, from
    /// <paramref name="low"/> up: 12 notes on a grid of triplet eighths (or rolled chords on the beats, unless
    /// <paramref name="onGrid"/> breaks them onto the grid too), each two grid steps long.</summary>
    static void Bar(
        int texture,
        int key,
        int degree,
        int low,
        long t0,
        int vel,
        Random s,
        Random perf,
        List<MidiNote> notes,
        bool onGrid
    )
    {
        // Long by design: one short case per texture, side by side so the textures can be compared.
        const int step = Ppq / 3,
            length = 2 * step; // grid step, note length
        int spread = onGrid ? step : Ppq / 12; // between the notes of a chord: rolled, or broken onto the grid
        int[] chord = [degree, degree + 2, degree + 4];
        void Note(int pitch, long t) => Add(notes, perf, pitch, t, length, vel);
        switch (texture)
        {
            case 0: // Alberti: low – high – middle – high, three times
                for (int i = 0; i < 12; i++)
                    Note(Pitch(key, chord[new[] { 0, 2, 1, 2 }[i % 4]], low), t0 + i * step);
                break;
            case 1: // chorale: four rolled diatonic chords, one per beat, voices moving by step
                for (int b = 0; b < 4; b++)
                for (int v = 0; v < 3; v++)
                    Note(
                        Pitch(key, chord[v] + (b % 2) * (v == 2 ? 1 : 0), low + 12 * (v / 2)),
                        t0 + b * Ppq + v * spread
                    );
                break;
            case 2: // running line: a stepwise walk
                int walk = degree + 7;
                for (int i = 0; i < 12; i++)
                {
                    walk += s.NextDouble() < 0.5 ? 1 : -1;
                    Note(Pitch(key, walk, low), t0 + i * step);
                }
                break;
            case 3: // arpeggio: up two octaves through the chord and back
                for (int i = 0; i < 12; i++)
                {
                    int up = i < 6 ? i : 11 - i;
                    Note(Pitch(key, chord[up % 3] + 7 * (up / 3), low - 5), t0 + i * step);
                }
                break;
            case 4: // turns: chord tone, upper neighbour, chord tone on every beat
                for (int b = 0; b < 4; b++)
                {
                    int d = chord[s.Next(3)] + 7;
                    for (int i = 0; i < 3; i++)
                        Note(Pitch(key, d + (i == 1 ? 1 : 0), low), t0 + b * Ppq + i * step);
                }
                break;
            default: // parallel chords: one stacked-fourths shape, rolled, sliding by whole tones outside the key
                int shift = 0;
                for (int b = 0; b < 4; b++)
                {
                    shift += 2 * s.Next(-1, 2);
                    foreach (var (interval, v) in new[] { (0, 0), (5, 1), (10, 2) })
                        Note(low + 12 + key + shift + interval, t0 + b * Ppq + v * spread);
                }
                break;
        }
    }
}

using System.Globalization;
using MidiGenre.Midi;

namespace MidiGenre.Data;

/// <summary>Size of the generated corpus.</summary>
public sealed record SyntheticCorpusOptions(int PiecesPerComposer = 10, int MaxPerformancesPerPiece = 2,
    double MinSeconds = 45, double MaxSeconds = 90, int Seed = 2020)
{
    public static readonly SyntheticCorpusOptions Default = new();
    /// <summary>Small enough for tests and the smoke profile.</summary>
    public static readonly SyntheticCorpusOptions Smoke = new(PiecesPerComposer: 5, MaxPerformancesPerPiece: 2, MinSeconds: 25, MaxSeconds: 40);
}

/// <summary>
/// A deterministic stand-in for MAESTRO: real .mid files plus a catalog CSV in the MAESTRO v2.0.0 schema.
/// Six invented "composers" differ in texture (Alberti bass, block chords, running counterpoint, wide arpeggios,
/// ornaments, parallel harmony), tempo and rubato, dynamics, register and density. Every piece draws its key, tempo
/// and length at random, and 40 % of the bars borrow a texture at random, so the classes overlap.
/// Pieces get one or more "performances" (different rubato, timing and dynamics) so the piece-grouped split matters.
/// </summary>
public static class SyntheticCorpus
{
    /// <summary>MAESTRO's schema under its own name, so the corpus is opened as a catalog of its own labels, not as
    /// MAESTRO (whose default keeps the paper's 13 composers).</summary>
    public const string CatalogName = "catalog.csv";

    public static readonly IReadOnlyList<string> Composers = ["Alberti", "Chorale", "Fugato", "Arpeggio", "Ornament", "Impression"];

    sealed record Style(int Tempo, double Rubato, int Velocity, int VelocitySpread, int Register, bool Pedal);

    static readonly Style[] Styles =
    [
        new(Tempo: 120, Rubato: 0.03, Velocity: 70, VelocitySpread: 10, Register: 60, Pedal: false), // Alberti
        new(Tempo: 72, Rubato: 0.05, Velocity: 75, VelocitySpread: 12, Register: 55, Pedal: true),   // Chorale
        new(Tempo: 100, Rubato: 0.01, Velocity: 64, VelocitySpread: 6, Register: 58, Pedal: false),  // Fugato
        new(Tempo: 90, Rubato: 0.12, Velocity: 72, VelocitySpread: 25, Register: 52, Pedal: true),   // Arpeggio
        new(Tempo: 110, Rubato: 0.04, Velocity: 58, VelocitySpread: 8, Register: 70, Pedal: false),  // Ornament
        new(Tempo: 66, Rubato: 0.10, Velocity: 48, VelocitySpread: 14, Register: 62, Pedal: true),   // Impression
    ];

    const int Ppq = 480;
    /// <summary>Share of bars whose texture is drawn from all composers instead of the piece's own.</summary>
    public const double BorrowedBars = 0.4;
    static readonly int[] Major = [0, 2, 4, 5, 7, 9, 11];

    /// <summary>Generates the corpus under <paramref name="root"/> unless its catalog is already there; returns the catalog path.</summary>
    public static string EnsureGenerated(string root, SyntheticCorpusOptions? options = null)
    {
        string catalog = Path.Combine(root, CatalogName);
        return File.Exists(catalog) ? catalog : Generate(root, options);
    }

    /// <summary>Writes the corpus under <paramref name="root"/> (catalog at root, MIDI under year folders) and
    /// returns the catalog path. Re-running with the same options rewrites identical files.</summary>
    public static string Generate(string root, SyntheticCorpusOptions? options = null)
    {
        options ??= SyntheticCorpusOptions.Default;
        Directory.CreateDirectory(root);
        var rows = new List<string> { "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration" };
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
                    rows.Add(string.Join(',', Common.CsvText.Escape(Composers[c]), Common.CsvText.Escape(title), split, year.ToString(CultureInfo.InvariantCulture), rel,
                        rel.Replace(".midi", ".wav"), seconds.ToString("F3", CultureInfo.InvariantCulture)));
                }
            }
        string catalog = Path.Combine(root, CatalogName);
        AtomicFile.WriteAllText(catalog, string.Join('\n', rows) + "\n");
        return catalog;
    }

    /// <summary>Piece-grouped, stratified by construction: per composer the last round(0.2 n) pieces are test and the
    /// round(0.15 n) before them validation (at least one each), the rest train — the same shares as
    /// <see cref="DataSplit.Stratified"/>. Pieces are independent draws, so their order carries no information.</summary>
    static string SplitOf(int piece, int pieces)
    {
        int nTest = Math.Max(1, (int)Math.Round(DataSplit.TestFraction * pieces));
        int nVal = Math.Max(1, (int)Math.Round(DataSplit.ValidationFraction * pieces));
        return piece >= pieces - nTest ? "test" : piece >= pieces - nTest - nVal ? "validation" : "train";
    }

    static string KeyName(int k) => new[] { "C", "D-flat", "D", "E-flat", "E", "F", "F-sharp", "G", "A-flat", "A", "B-flat", "B" }[k] + " major";

    /// <summary>Composes one piece (score from the piece seed, expression from the performance seed); returns its length in seconds.</summary>
    static double WritePiece(string path, int composer, int pieceSeed, int performanceSeed, SyntheticCorpusOptions o)
    {
        var score = Common.Seeds.Random(pieceSeed, "synthetic-score");
        var perf = Common.Seeds.Random(performanceSeed, "synthetic-performance");
        var style = Styles[composer];
        int key = pieceSeed % 12;
        double tempoBpm = style.Tempo * (0.85 + 0.3 * score.NextDouble());
        double targetSeconds = o.MinSeconds + (o.MaxSeconds - o.MinSeconds) * score.NextDouble();
        int bars = Math.Max(4, (int)(targetSeconds / (4 * 60.0 / tempoBpm)));
        int register = style.Register + score.Next(-3, 4);

        var notes = new List<MidiNote>();
        var tempos = new List<TempoChange>();
        var controls = new List<ControlChange>();
        var progression = new[] { 0, 5, 3, 4, 0, 3, 4, 0 }; // I vi IV V I IV V I (scale degrees)
        for (int bar = 0; bar < bars; bar++)
        {
            int texture = score.NextDouble() < BorrowedBars ? score.Next(Styles.Length) : composer;
            int degree = progression[bar % progression.Length];
            long barTick = (long)bar * 4 * Ppq;
            // Phrase-level dynamics: a swell over each 4-bar phrase, plus the performer's own level.
            double phrase = Math.Sin(Math.PI * (bar % 4 + 0.5) / 4);
            int baseVel = style.Velocity + (int)(style.VelocitySpread * (phrase - 0.5)) + perf.Next(-4, 5);
            Bar(texture, key, degree, register, barTick, baseVel, score, perf, notes);
            for (int beat = 0; beat < 4; beat++)
            {
                double rubato = 1 + style.Rubato * (Math.Sin(2 * Math.PI * (bar * 4 + beat) / 16.0) + 0.5 * (perf.NextDouble() - 0.5));
                tempos.Add(new TempoChange(barTick + beat * Ppq, (int)(60_000_000 / (tempoBpm / rubato))));
            }
            if (style.Pedal && texture == composer)
            {
                controls.Add(new ControlChange(barTick + 10, 1, 64, 127));
                controls.Add(new ControlChange(barTick + 4 * Ppq - 20, 1, 64, 0));
            }
        }
        MidiWriter.Write(path, notes, Ppq, (int)(60_000_000 / tempoBpm), 0, tempos, controls);
        double seconds = 0;
        foreach (var t in tempos) seconds += t.MicrosecondsPerQuarter / 1e6;
        return seconds;
    }

    static int Pitch(int key, int degree, int octaveBase) =>
        octaveBase + key + Major[((degree % 7) + 7) % 7] + 12 * (int)Math.Floor(degree / 7.0);

    static void Add(List<MidiNote> notes, Random perf, int pitch, long on, long length, int velocity)
    {
        if (pitch is < 21 or > 108) return;
        long jitter = perf.Next(-12, 13);
        long start = Math.Max(0, on + jitter);
        int v = Math.Clamp(velocity + perf.Next(-6, 7), 1, 127);
        notes.Add(new MidiNote(1, pitch, v, start, start + Math.Max(30, length - perf.Next(0, 40)), 0, 0));
    }

    /// <summary>One bar (4 quarters) of a texture over the chord on <paramref name="degree"/>.</summary>
    static void Bar(int texture, int key, int degree, int register, long t0, int vel, Random s, Random perf, List<MidiNote> notes)
    {
        int bass = register - 24, mid = register - 12, top = register;
        int[] chord = [degree, degree + 2, degree + 4];
        const int Q = Ppq, E = Ppq / 2, S = Ppq / 4;
        switch (texture)
        {
            case 0: // Alberti bass under a singing melody
                for (int i = 0; i < 8; i++)
                    Add(notes, perf, Pitch(key, chord[new[] { 0, 2, 1, 2 }[i % 4]], mid), t0 + i * E, E, vel - 12);
                Melody(key, degree, top, t0, vel, s, perf, notes, Q);
                break;
            case 1: // block chords, four voices, half notes
                for (int h = 0; h < 2; h++)
                {
                    long t = t0 + h * 2 * Q;
                    Add(notes, perf, Pitch(key, degree, bass), t, 2 * Q, vel);
                    foreach (var d in chord) Add(notes, perf, Pitch(key, d, mid + 12), t, 2 * Q, vel - 5);
                    Add(notes, perf, Pitch(key, degree + 7 + s.Next(0, 3) * 2, mid), t, 2 * Q, vel);
                }
                break;
            case 2: // running sixteenths against an eighth-note line
                int walk = degree;
                for (int i = 0; i < 16; i++)
                {
                    walk += s.Next(-2, 3);
                    Add(notes, perf, Pitch(key, walk, top), t0 + i * S, S, vel);
                }
                int low = degree;
                for (int i = 0; i < 8; i++)
                {
                    low += s.Next(-1, 2);
                    Add(notes, perf, Pitch(key, low, bass + 12), t0 + i * E, E, vel - 8);
                }
                break;
            case 3: // wide arpeggios over three octaves
                for (int i = 0; i < 12; i++)
                {
                    int up = i < 6 ? i : 11 - i;
                    Add(notes, perf, Pitch(key, chord[up % 3] + 7 * (up / 3), bass), t0 + i * Q / 3, Q, vel + up * 3);
                }
                break;
            case 4: // ornamented melody: trills and turns, light accompaniment
                for (int b = 0; b < 4; b++)
                {
                    int d = degree + 2 * s.Next(0, 4);
                    if (s.NextDouble() < 0.5)
                        for (int i = 0; i < 8; i++) Add(notes, perf, Pitch(key, d + (i % 2), top), t0 + b * Q + i * Q / 8, Q / 8, vel);
                    else
                    {
                        Add(notes, perf, Pitch(key, d, top), t0 + b * Q, Q / 2, vel + 5);
                        Add(notes, perf, Pitch(key, d + 1, top), t0 + b * Q + Q / 2, Q / 4, vel);
                        Add(notes, perf, Pitch(key, d - 1, top), t0 + b * Q + 3 * Q / 4, Q / 4, vel);
                    }
                    Add(notes, perf, Pitch(key, chord[b % 3], mid), t0 + b * Q, Q, vel - 15);
                }
                break;
            default: // parallel chords drifting by whole tones, soft and wide
                for (int h = 0; h < 2; h++)
                {
                    int shift = s.Next(-2, 3) * 2;
                    long t = t0 + h * 2 * Q;
                    foreach (int interval in new[] { 0, 4, 7, 10, 14 })
                        Add(notes, perf, register - 12 + key + shift + interval, t, 2 * Q, vel - 6);
                    Add(notes, perf, bass - 12 + key + shift, t, 4 * Q, vel - 10);
                }
                break;
        }
    }

    static void Melody(int key, int degree, int top, long t0, int vel, Random s, Random perf, List<MidiNote> notes, int q)
    {
        int d = degree + 4;
        for (int b = 0; b < 4; b++)
        {
            d += s.Next(-2, 3);
            Add(notes, perf, Pitch(key, d, top), t0 + b * q, q, vel + 4);
        }
    }
}

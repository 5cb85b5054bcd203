using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using FsCheck.Xunit;
using MidiGenre.Data;
using MidiGenre.Encoding;

namespace MidiGenre.Tests;

public class CatalogTests
{
    static string WriteCsv(string content)
    {
        string dir = Directory.CreateTempSubdirectory("catalog").FullName;
        string path = Path.Combine(dir, "maestro-v2.0.0.csv");
        File.WriteAllText(path, content);
        return path;
    }

    const string Header = "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration\n";

    [Fact]
    public void Reads_maestro_rows_with_quoted_commas_and_drops_collaborations()
    {
        var csv = WriteCsv(
            Header
                + "Frédéric Chopin,\"Ballade No. 1 in G Minor, Op. 23\",train,2004,2004/a.midi,2004/a.wav,545.3\n"
                + "Frédéric Chopin,\"Ballade No. 1 in G Minor, Op. 23\",test,2006,2006/b.midi,2006/b.wav,551.0\n"
                + "Johann Sebastian Bach,Prelude and Fugue in C Major,train,2008,2008/c.midi,2008/c.wav,200.5\n"
                + "Sergei Rachmaninoff / György Cziffra,Polka,train,2009,2009/d.midi,2009/d.wav,100\n"
                + "Claude Debussy,Clair de lune,validation,2011,2011/e.midi,2011/e.wav,300\n"
        );
        var catalog = Catalog.Load(csv, ClassSelection.Paper);
        Assert.Equal(["Bach", "Chopin", "Debussy"], catalog.Classes);
        Assert.Equal(4, catalog.Entries.Count);
        var chopin = catalog.Entries.Where(e => e.Label == "Chopin").ToList();
        Assert.Equal("Ballade No. 1 in G Minor, Op. 23", chopin[0].Title);
        Assert.Equal(chopin[0].PieceKey, chopin[1].PieceKey);
        Assert.Equal(545.3, chopin[0].Duration);
        Assert.Equal(3, catalog.Summary().Rows.Count);
    }

    [Fact]
    public void A_catalog_saved_with_a_byte_order_mark_and_a_quoted_header_reads_like_any_other()
    {
        // A quoted header name may hold a comma (a spreadsheet's "notes, remarks"): the header is one field per name.
        string quoted =
            string.Join(',', Header.TrimEnd('\n').Split(',').Select(c => $"\"{c}\"")) + ",\"notes, remarks\"\n";
        string dir = Directory.CreateTempSubdirectory("catalog").FullName;
        string path = Path.Combine(dir, "catalog.csv");
        File.WriteAllText(
            path,
            quoted + "A X,P1,train,2004,a.midi,a.wav,1,\"live, 2004\"\nB Y,P2,test,2004,b.midi,b.wav,2,\n",
            new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true)
        );
        Assert.Equal(0xEF, File.ReadAllBytes(path)[0]); // the BOM is there
        var catalog = Catalog.Load(path);
        Assert.Equal(["X", "Y"], catalog.Classes);
        Assert.Equal(["A X", "B Y"], catalog.Entries.Select(e => e.CanonicalComposer));
        Assert.Equal(2.0, catalog.Entries[1].Duration);
    }

    [Fact]
    public void Asap_metadata_is_read_as_it_is_with_its_piece_folders_grouping_performances()
    {
        // ASAP's metadata.csv (fosfrancesco/asap-dataset): composer, title, folder, midi_performance among others.
        string dir = Directory.CreateTempSubdirectory("asap").FullName;
        string path = Path.Combine(dir, "metadata.csv");
        File.WriteAllText(
            path,
            "composer,title,folder,xml_score,midi_score,midi_performance,start\n"
                + "Bach,Fugue_bwv_846,Bach/Fugue/bwv_846,x.musicxml,s.mid,Bach/Fugue/bwv_846/Shi05M.mid,1\n"
                + "Bach,Fugue_bwv_846,Bach/Fugue/bwv_846,x.musicxml,s.mid,Bach/Fugue/bwv_846/Lee01M.mid,2\n"
                + "Bach,Fugue_bwv_848,Bach/Fugue/bwv_848,x.musicxml,s.mid,Bach/Fugue/bwv_848/Lee01M.mid,3\n"
                + "Chopin,Etude_op_10_1,Chopin/Etudes_op_10/1,x.musicxml,s.mid,Chopin/Etudes_op_10/1/A.mid,4\n"
        );
        var catalog = Catalog.Load(path);
        Assert.Equal(["Bach", "Chopin"], catalog.Classes);
        Assert.Equal("composer", catalog.LabelColumn);
        Assert.Equal("Bach/Fugue/bwv_846/Shi05M.mid", catalog.Entries[0].MidiFilename);
        Assert.Equal("Fugue_bwv_846", catalog.Entries[0].Title);
        Assert.Equal(catalog.Entries[0].PieceKey, catalog.Entries[1].PieceKey); // one piece, two performances
        Assert.NotEqual(catalog.Entries[1].PieceKey, catalog.Entries[2].PieceKey);
        Assert.Equal([2, 1], catalog.Summary()["pieces"].Cast<int>());
        // Named columns win over detection: pieces by title here, files from another column.
        var byScore = Catalog.Load(path, columns: new CatalogColumns(File: "midi_score", Piece: "title"));
        Assert.All(byScore.Entries, e => Assert.Equal("s.mid", e.MidiFilename));
        Assert.Equal(3, byScore.Entries.Select(e => e.PieceKey).Distinct().Count());
        // A column that is not there is named, with the columns that are, before any work.
        var e = Assert.Throws<CatalogFormatException>(() =>
            Catalog.Load(path, columns: new CatalogColumns(Piece: "opus"))
        );
        Assert.Contains("missing column(s) opus", e.Message);
        Assert.Contains("midi_performance", e.Message);
    }

    [Fact]
    public void A_catalog_without_a_file_column_says_how_to_name_one()
    {
        string dir = Directory.CreateTempSubdirectory("catalog").FullName;
        string path = Path.Combine(dir, "catalog.csv");
        File.WriteAllText(path, "genre,path_to_midi\njazz,a.mid\nrock,b.mid\n");
        var e = Assert.Throws<CatalogFormatException>(() => Catalog.Load(path, labelColumn: "genre"));
        Assert.Contains("--file-column", e.Message);
        var catalog = Catalog.Load(path, labelColumn: "genre", columns: new CatalogColumns(File: "path_to_midi"));
        Assert.Equal(["jazz", "rock"], catalog.Classes);
        Assert.Equal(2, catalog.Entries.Select(x => x.PieceKey).Distinct().Count()); // no piece column: a file each
    }

    [Fact]
    public void Min_pieces_threshold_drops_small_classes()
    {
        var csv = WriteCsv(
            Header
                + "A X,P1,train,2004,a.midi,a.wav,1\nA X,P2,train,2004,b.midi,b.wav,1\nB "
                + "Y,P1,train,2004,c.midi,c.wav,1\n"
                + "C Z,P1,train,2004,d.midi,d.wav,1\nC Z,P3,train,2004,e.midi,e.wav,1\n"
        );
        Assert.Equal(["X", "Z"], Catalog.Load(csv, new ClassSelection(null, MinPieces: 2)).Classes);
        Assert.Equal(["X", "Z"], Catalog.Load(csv, ClassSelection.Parse(null, minPieces: 2)).Classes);
        // --min-pieces holds with --classes too (a data source parses both into one selection).
        Assert.Equal(["X", "Z"], Catalog.Load(csv, ClassSelection.Parse("X,Y,Z", minPieces: 2)).Classes);
        // One class left is no classifier: a clear error naming the labels, not an empty run.
        var e = Assert.Throws<CatalogFormatException>(() => Catalog.Load(csv, new ClassSelection(null, MinPieces: 3)));
        Assert.Contains("at least 2", e.Message);
        Assert.Contains("X (2 pieces)", e.Message);
    }

    [Fact]
    public void Wrong_csv_gives_a_typed_error_naming_the_missing_columns()
    {
        var csv = WriteCsv("composer,title\nA,B\n");
        var e = Assert.Throws<CatalogFormatException>(() => Catalog.Load(csv));
        Assert.Contains("canonical_composer", e.Message);
        var bad = WriteCsv(Header + "A X,P1,train,twenty,a.midi,a.wav,1\n");
        Assert.Contains("year", Assert.Throws<CatalogFormatException>(() => Catalog.Load(bad)).Message);
        Assert.Throws<CatalogFormatException>(() =>
            Catalog.Load(Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid()))
        );
    }

    [Property(MaxTest = 60)]
    public void Stratified_split_is_three_way_disjoint_by_piece_complete_and_seeded(int seed)
    {
        var rng = new Random(seed);
        var entries = Enumerable
            .Range(0, rng.Next(12, 80))
            .Select(i => (Label: $"C{i % 4}", Title: $"Piece {rng.Next(12)}", File: $"{i}.midi"))
            .Select(e => new CatalogEntry(e.Label, e.Title, "", 2004, e.File, 10)
            {
                Label = e.Label,
                PieceKey = e.Label + e.Title,
            })
            .ToList();
        if (entries.GroupBy(e => e.Label).Any(g => g.Select(e => e.PieceKey).Distinct().Count() < 3))
        {
            var ex = Assert.Throws<SplitException>(() => DataSplit.Stratified(entries, seed));
            Assert.Contains("--min-pieces", ex.Message);
            return;
        }
        var split = DataSplit.Stratified(entries, seed);
        var parts = new[] { split.Train, split.Validation, split.Test }
            .Select(p => p.Select(e => e.PieceKey).ToHashSet())
            .ToArray();
        Assert.Empty(parts[0].Intersect(parts[1]));
        Assert.Empty(parts[0].Intersect(parts[2]));
        Assert.Empty(parts[1].Intersect(parts[2]));
        Assert.Equal(entries.Count, split.Train.Count + split.Validation.Count + split.Test.Count);
        foreach (var g in entries.GroupBy(e => e.Label))
        {
            Assert.Contains(split.Train, e => e.Label == g.Key);
            Assert.Contains(split.Validation, e => e.Label == g.Key);
            Assert.Contains(split.Test, e => e.Label == g.Key);
        }
        var again = DataSplit.Stratified(entries, seed);
        Assert.Equal(split.Test.Select(e => e.MidiFilename), again.Test.Select(e => e.MidiFilename));
    }

    [Fact]
    public void Catalog_split_column_must_cover_every_class()
    {
        var ok = new[] { "train", "validation", "test" }
            .SelectMany(s =>
                new[] { "A", "B" }.Select(c => new CatalogEntry(c, $"{c} {s}", s, 2004, $"{c}{s}.midi", 1)
                {
                    Label = c,
                    PieceKey = $"{c} {s}",
                })
            )
            .ToList();
        Assert.Equal(2, DataSplit.FromCatalog(ok).Test.Count);
        var e = Assert.Throws<SplitException>(() =>
            DataSplit.FromCatalog(ok.Where(x => !(x.Label == "B" && x.Split == "test")))
        );
        Assert.Contains("B (no test)", e.Message);
    }
}

public class CacheTests
{
    [Fact]
    public void Prepare_resumes_after_a_killed_run_and_rekeys_on_settings()
    {
        string root = Directory.CreateTempSubdirectory("cache").FullName;
        string corpus = Path.Combine(root, "corpus");
        SyntheticCorpus.Generate(corpus, SyntheticCorpusOptions.Smoke with { PiecesPerComposer = 1 });
        var catalog = Catalog.Load(corpus);
        var cache = new RollCache(Path.Combine(root, "cache"));
        var first = cache.Prepare(catalog);
        Assert.All(first, r => Assert.Equal(EncodeStatus.Encoded, r.Status));

        // A killed run: one output never written, one truncated by hand, one temp file left behind.
        File.Delete(cache.PathFor(catalog.Entries[0]));
        File.WriteAllBytes(
            cache.PathFor(catalog.Entries[1]),
            File.ReadAllBytes(cache.PathFor(catalog.Entries[1]))[..100]
        );
        File.WriteAllText(Path.Combine(cache.Directory, ".junk.tmp"), "x");
        var second = cache.Prepare(catalog);
        Assert.Equal(EncodeStatus.Encoded, second[0].Status);
        Assert.Equal(EncodeStatus.Encoded, second[1].Status);
        Assert.All(second.Skip(2), r => Assert.Equal(EncodeStatus.Cached, r.Status));
        for (int i = 0; i < catalog.Entries.Count; i++)
            Assert.Equal(PianoRollEncoder.Encode(catalog.MidiPath(catalog.Entries[i])), cache.Load(catalog.Entries[i]));

        var sustained = new RollCache(Path.Combine(root, "cache"), new EncodeOptions(SustainPedal: true));
        Assert.NotEqual(cache.Directory, sustained.Directory);
        Assert.All(sustained.Prepare(catalog), r => Assert.Equal(EncodeStatus.Encoded, r.Status));
        Assert.True(File.Exists(cache.ReportPath));
    }

    [Fact]
    public void Two_corpora_in_folders_of_the_same_name_never_share_a_cache()
    {
        string root = Directory.CreateTempSubdirectory("cache-key").FullName;
        string a = Path.Combine(root, "a", "midi"),
            b = Path.Combine(root, "b", "midi");
        SyntheticCorpus.Generate(a, SyntheticCorpusOptions.Smoke with { PiecesPerComposer = 1 });
        SyntheticCorpus.Generate(b, SyntheticCorpusOptions.Smoke with { PiecesPerComposer = 1, Seed = 9 });
        var (sa, sb) = (new DataSource(root, a), new DataSource(root, b));
        Assert.Equal(sa.Name, sb.Name); // both are called "midi"
        Assert.NotEqual(sa.OpenCache().Directory, sb.OpenCache().Directory);
        // The key is the corpus's path, not the process: the same source gives the same folder again.
        var trailing = new DataSource(root, a + Path.DirectorySeparatorChar);
        Assert.Equal(sa.OpenCache().Directory, trailing.OpenCache().Directory);
        Assert.StartsWith("midi-", Path.GetFileName(sa.OpenCache().Directory));
    }

    [Fact]
    public void In_the_pairings_corpus_note_statistics_do_not_tell_composers_apart_unlike_in_the_textures_corpus()
    {
        // Per music feature (IOI, note-length, velocity and melodic-interval histograms, onset autocorrelation) of
        // whole performances: the one-way ANOVA F ratio, variance between composers over variance within them. About 1
        // is noise (no feature tells composers apart); textures, which composers own, are far above it. Only the
        // single-note statistics are alike in pairings: what sounds together tells its composers apart, and the
        // vertical-interval and chord features see it.
        int notes = Baselines.MusicFeatures.NoteStatisticsCount;
        (double Notes, double Vertical) MeanF(SyntheticDesign design)
        {
            string dir = Directory.CreateTempSubdirectory("synth-" + design).FullName;
            SyntheticCorpus.Generate(
                dir,
                SyntheticCorpusOptions.Default with
                {
                    PiecesPerComposer = 4,
                    Design = design,
                }
            );
            var catalog = Catalog.Load(dir);
            var groups = catalog
                .Entries.GroupBy(e => e.Label)
                .Select(g =>
                    g.Select(e => PianoRollEncoder.Encode(catalog.MidiPath(e)))
                        .Select(r => Baselines.MusicFeatures.Of([.. r.Data.Select(v => (float)v)], 2, r.Frames))
                        .ToList()
                )
                .ToList();
            Directory.Delete(dir, true);
            int n = groups.Sum(g => g.Count),
                k = groups.Count;
            var ratios = new List<(int Feature, double F)>();
            for (int f = 0; f < Baselines.MusicFeatures.Count; f++)
            {
                double grand = groups.SelectMany(g => g).Average(x => x[f]);
                double between = groups.Sum(g => g.Count * Math.Pow(g.Average(x => x[f]) - grand, 2)) / (k - 1);
                double within = groups.Sum(g => g.Sum(x => Math.Pow(x[f] - g.Average(y => y[f]), 2))) / (n - k);
                if (within > 1e-9)
                    ratios.Add((f, between / within));
            }
            return (
                ratios.Where(r => r.Feature < notes).Average(r => r.F),
                ratios.Where(r => r.Feature >= notes).Average(r => r.F)
            );
        }
        var (textures, _) = MeanF(SyntheticDesign.Textures);
        var (pairings, pairingsVertical) = MeanF(SyntheticDesign.Pairings);
        Assert.True(pairings < 2.5 && textures > 10, $"mean F: pairings {pairings:F2}, textures {textures:F2}");
        Assert.True(pairingsVertical > 2.5, $"vertical features' mean F on pairings {pairingsVertical:F2}");
    }

    [Fact]
    public void Synthetic_corpus_is_deterministic_and_in_maestro_schema()
    {
        string a = Directory.CreateTempSubdirectory("synth").FullName,
            b = Directory.CreateTempSubdirectory("synth").FullName;
        SyntheticCorpus.Generate(a, SyntheticCorpusOptions.Smoke with { PiecesPerComposer = 1 });
        SyntheticCorpus.Generate(b, SyntheticCorpusOptions.Smoke with { PiecesPerComposer = 1 });
        var ca = Catalog.Load(a);
        Assert.Equal(SyntheticCorpus.Composers.Order(), ca.Classes);
        foreach (var e in ca.Entries)
            Assert.Equal(File.ReadAllBytes(ca.MidiPath(e)), File.ReadAllBytes(Path.Combine(b, e.MidiFilename)));
        Assert.True(File.Exists(Path.Combine(a, "catalog.csv")));
        // By design the composers share their density (12 notes a bar) and differ in shape: the running line moves
        // by step, the arpeggio by leaps.
        var rolls = ca
            .Entries.GroupBy(e => e.Label)
            .ToDictionary(g => g.Key, g => PianoRollEncoder.Encode(ca.MidiPath(g.First())));
        var density = rolls.ToDictionary(r => r.Key, r => r.Value.CountOnsets() / (double)r.Value.Frames);
        Assert.True(
            density.Values.Max() < 1.5 * density.Values.Min(),
            string.Join(", ", density.Select(d => $"{d.Key} {d.Value:F3}"))
        );
        double Leap(PianoRoll roll)
        {
            var onsets = new List<int>();
            for (int t = 0; t < roll.Frames; t++)
            for (int p = 0; p < 128; p++)
                if (roll[PianoRoll.Onset, t, p] > 0)
                    onsets.Add(p);
            return onsets.Zip(onsets.Skip(1), (x, y) => Math.Abs(x - y)).Average();
        }
        Assert.True(
            Leap(rolls["Arpeggio"]) > 1.3 * Leap(rolls["Fugato"]),
            $"arpeggio {Leap(rolls["Arpeggio"]):F1}, fugato {Leap(rolls["Fugato"]):F1}"
        );
    }

    [Fact]
    public void Segments_cover_the_piece_evenly_and_transpose_zero_fills()
    {
        var spec = new SegmentSpec(5, 500, 400);
        Assert.Equal([0, 250, 500, 750, 1000], spec.WindowStarts(1500));
        Assert.All(spec.WindowStarts(300), s => Assert.Equal(0, s));
        var roll = new PianoRoll(10);
        roll[1, 0, 127] = 90;
        roll[1, 0, 0] = 50;
        var dest = new float[2 * 10 * 128];
        SegmentReader.Copy(roll, 0, 10, dest, semitones: 2);
        Assert.Equal(50, dest[10 * 128 + 2]);
        Assert.Equal(0, dest[10 * 128 + 0]);
        Assert.DoesNotContain(90f, dest); // shifted off the top
    }
}

public class DownloadTests
{
    /// <summary>Serves one body on 127.0.0.1 (HttpListener) and returns its URL.</summary>
    static (HttpListener Listener, Uri Url) Serve(byte[] body, int status = 200)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(20000, 60000);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                continue;
            }
            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await listener.GetContextAsync();
                    }
                    catch
                    {
                        return;
                    }
                    ctx.Response.StatusCode = status;
                    ctx.Response.ContentLength64 = body.Length;
                    await ctx.Response.OutputStream.WriteAsync(body);
                    ctx.Response.Close();
                }
            });
            return (listener, new Uri($"http://127.0.0.1:{port}/maestro.zip"));
        }
    }

    static byte[] Zip(params (string Name, string Content)[] entries)
    {
        var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
            foreach (var (n, c) in entries)
            {
                using var w = new StreamWriter(z.CreateEntry(n).Open());
                w.Write(c);
            }
        return ms.ToArray();
    }

    [Fact]
    public async Task Downloads_verifies_and_extracts_locally()
    {
        var zip = Zip(
            (
                "maestro-v2.0.0/maestro-v2.0.0.csv",
                "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration\n"
            ),
            ("maestro-v2.0.0/2004/x.midi", "MThd")
        );
        var (listener, url) = Serve(zip);
        using var _ = listener;
        string target = Directory.CreateTempSubdirectory("dl").FullName;
        var reports = new List<long>();
        string dir = await MaestroDownload.FetchAsync(
            target,
            new DownloadSpec(url, "m.zip", zip.Length, Convert.ToHexString(SHA256.HashData(zip))),
            new Progress<(long Done, long? Total)>(p => reports.Add(p.Done))
        );
        Assert.True(File.Exists(Path.Combine(dir, "maestro-v2.0.0.csv")));
        Assert.True(File.Exists(Path.Combine(dir, "2004", "x.midi")));
        Assert.False(File.Exists(Path.Combine(target, "m.zip.part")));
    }

    [Fact]
    public async Task Wrong_hash_or_status_is_a_typed_error_and_leaves_no_file()
    {
        var zip = Zip(("a.csv", "x"));
        var (listener, url) = Serve(zip);
        using (listener)
        {
            string target = Directory.CreateTempSubdirectory("dl").FullName;
            var e = await Assert.ThrowsAsync<DownloadException>(() =>
                MaestroDownload.DownloadAsync(
                    new DownloadSpec(url, "m.zip", null, new string('0', 64)),
                    Path.Combine(target, "m.zip")
                )
            );
            Assert.Contains("SHA-256", e.Message);
            Assert.Empty(Directory.GetFiles(target));
        }
        var (l404, u404) = Serve("nope"u8.ToArray(), 404);
        using (l404)
            Assert.Contains(
                "404",
                (
                    await Assert.ThrowsAsync<DownloadException>(() =>
                        MaestroDownload.DownloadAsync(
                            new DownloadSpec(u404, "m.zip"),
                            Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".zip")
                        )
                    )
                ).Message
            );
    }

    [Fact]
    public void Zip_slip_is_refused()
    {
        string dir = Directory.CreateTempSubdirectory("slip").FullName;
        string zip = Path.Combine(dir, "evil.zip");
        File.WriteAllBytes(zip, Zip(("ok.txt", "fine"), ("../../escaped.txt", "bad")));
        string target = Path.Combine(dir, "target");
        Assert.Throws<DownloadException>(() => MaestroDownload.ExtractSafely(zip, target));
        Assert.False(File.Exists(Path.Combine(dir, "escaped.txt")));
        Assert.False(File.Exists(Path.GetFullPath(Path.Combine(target, "../../escaped.txt"))));
    }
}

public class AugmentationTests
{
    [Fact]
    public void Tempo_stretch_scales_time_and_keeps_every_note()
    {
        var roll = PianoRollEncoder.Encode(Midi.MidiReader.Read(RoundTripProperties.RandomMidi(7, 40), "r.mid"));
        var slower = SegmentReader.Stretch(roll, 1.5);
        Assert.Equal((int)Math.Round(roll.Frames * 1.5), slower.Frames);
        Assert.True(slower.CountOnsets() >= roll.CountOnsets() - 2, "onsets lost (only exact collisions may merge)");
        for (int t = 0; t < slower.Frames; t++)
        for (int p = 0; p < 128; p++)
            if (slower[0, t, p] != 0)
                Assert.True(slower[1, t, p] > 0, "onset without a sounding frame");
        Assert.Equal(roll.CountOnsets(), SegmentReader.Stretch(roll, 1.0).CountOnsets());
    }
}

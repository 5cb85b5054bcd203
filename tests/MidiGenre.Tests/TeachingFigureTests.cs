using System.Text.Json.Nodes;
using MidiGenre.Attacks;
using MidiGenre.Charts;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;

namespace MidiGenre.Tests;

/// <summary>The figures a class reads (notebooks 01, 03, 04) show what they say, and every figure has a static image
/// that is drawn from its data.</summary>
public class TeachingFigureTests
{
    static PianoRoll Notes(params (int Bin, int Length, int Pitch, int Velocity)[] notes) =>
        new NoteSpans(notes.Select(n => new NoteSpan(n.Bin, n.Length, n.Pitch, n.Velocity))).ToRoll();

    static double[][] Z(JsonNode trace) =>
        [.. trace["z"]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<double>()).ToArray())];

    [Fact]
    public void Both_channels_share_one_time_axis_and_hold_the_rolls_values()
    {
        var roll = Notes((0, 10, 60, 90), (10, 4, 60, 40), (20, 1, 67, 70));
        var spec = Figures.RollChannels(roll, "t").Spec;
        var (velocity, onset) = (spec["data"]![0]!, spec["data"]![1]!);
        Assert.Null(velocity["xaxis"]);
        Assert.Null(onset["xaxis"]); // one time axis …
        Assert.Equal("y2", (string)onset["yaxis"]!); // … two pitch axes, one above the other
        int low = onset["y"]![0]!.GetValue<int>();
        var (v, o) = (Z(velocity), Z(onset));
        Assert.Equal(90, v[60 - low][0]);
        Assert.Equal(40, v[60 - low][10]);
        Assert.Equal([1.0, 1.0], new[] { o[60 - low][0], o[60 - low][10] }); // the re-struck note's two onsets
        Assert.Equal(2, o[60 - low].Sum());
        Assert.Equal(1, o[67 - low][20]);
    }

    [Fact]
    public void Every_window_and_its_centred_crop_are_drawn_where_the_spec_puts_them()
    {
        var spec = new SegmentSpec(5);
        int frames = 3000;
        var figure = Figures.Windows(frames, spec, "t").Spec;
        var traces = figure["data"]!.AsArray();
        var starts = spec.WindowStarts(frames);
        Assert.Equal(2 * starts.Length, traces.Count);
        for (int i = 0; i < starts.Length; i++)
        {
            double[] window = [.. traces[2 * i]!["x"]!.AsArray().Select(x => x!.GetValue<double>())];
            double[] crop = [.. traces[2 * i + 1]!["x"]!.AsArray().Select(x => x!.GetValue<double>())];
            Assert.Equal(starts[i] * PianoRoll.BinSeconds, window[0], 6);
            Assert.Equal((starts[i] + spec.WindowBins) * PianoRoll.BinSeconds, window[1], 6);
            Assert.Equal(crop[1] - crop[0], spec.CropBins * PianoRoll.BinSeconds, 6);
            Assert.Equal(crop[0] - window[0], window[1] - crop[1], 6); // centred
        }
        Assert.Equal(2, traces.Count(t => t!["showlegend"]!.GetValue<bool>())); // one legend entry per kind
    }

    [Fact]
    public void The_vote_figure_stacks_each_segments_softmax_and_names_the_paper_rules_winner()
    {
        var pieces = new[] { new Piece("p", "Nocturne", 1, NoteSpans.Empty) };
        var data = new SegmentDataset(pieces, new SegmentSpec(4));
        // Two votes each for classes 0 and 2; class 2 has the higher mean probability, so it wins the tie.
        float[][] p =
        [
            [0.6f, 0.1f, 0.3f],
            [0.5f, 0.1f, 0.4f],
            [0.1f, 0.1f, 0.8f],
            [0.3f, 0.1f, 0.6f],
        ];
        var figure = Figures.Votes(new SegmentPredictions(data, p), 0, ["a", "b", "c"], "Nocturne");
        Assert.Contains("vote: c, 2 of 4 (truth: b)", figure.Title);
        Assert.Equal("stack", (string)figure.Spec["layout"]!["barmode"]!);
        var traces = figure.Spec["data"]!.AsArray();
        for (int s = 0; s < 4; s++)
            Assert.Equal(1, traces.Sum(t => t!["y"]![s]!.GetValue<double>()), 5);
        var votes = figure.Spec["layout"]!["annotations"]!.AsArray().Select(a => (string)a!["text"]!);
        Assert.Equal(["a", "a", "c", "c"], votes);
    }

    [Fact]
    public void The_realisation_figure_sets_the_tensors_change_beside_what_midi_kept()
    {
        var original = Notes((0, 4, 60, 64));
        var adversarial = Notes((0, 4, 60, 70));
        var tensor = new float[original.Frames * PianoRoll.Pitches];
        for (int t = 0; t < original.Frames; t++)
        {
            tensor[t * PianoRoll.Pitches + 60] = 70.4f;
            tensor[t * PianoRoll.Pitches + 61] = 3.2f; // asked for in silence: MIDI cannot carry it
        }
        var example = new AdversarialExample(original, adversarial, "x", "x", 0.9, "y", 0.6)
        {
            TensorVelocities = tensor,
        };
        var spec = Figures.Realisation(example, "t").Spec;
        int low = spec["data"]![0]!["y"]![0]!.GetValue<int>();
        var (asked, kept) = (Z(spec["data"]![0]!), Z(spec["data"]![1]!));
        Assert.Equal(6.4, asked[60 - low][0], 3);
        Assert.Equal(3.2, asked[61 - low][0], 3);
        Assert.Equal(6, kept[60 - low][0]);
        Assert.Equal(0, kept[61 - low][0]);
        string sentence = Findings.Realisation(example);
        Assert.Contains("changed 8 of", sentence); // 4 frames × 2 pitches asked …
        Assert.Contains("50.0 % of them in silence", sentence);
        Assert.Contains("written as MIDI, 4 cells changed", sentence); // … 4 kept
    }

    [Fact]
    public void The_notes_table_puts_each_note_where_the_roll_has_its_onset()
    {
        // 480 ticks a quarter at 120 bpm: 960 ticks a second. C4 0–0.5 s, E4 0.25–0.55 s, G4 1.0–1.01 s.
        var bytes = new SmfBuilder()
            .Track()
            .On(0, 0, 60, 80)
            .On(240, 0, 64, 50)
            .Off(240, 0, 60)
            .Off(48, 0, 64)
            .On(432, 0, 67, 100)
            .Off(10, 0, 67)
            .End()
            .Bytes();
        var score = Midi.MidiReader.Read(bytes, "notes.mid");
        var roll = PianoRollEncoder.Encode(score);
        var rows = System
            .Text.RegularExpressions.Regex.Matches(StudyTables.Notes(score, "t").Html, "<tr>(.*?)</tr>")
            .Skip(1) // the header
            .Select(r =>
                System
                    .Text.RegularExpressions.Regex.Matches(r.Groups[1].Value, "<td>(.*?)</td>")
                    .Select(c => c.Groups[1].Value)
                    .ToArray()
            )
            .ToList();
        // note, MIDI pitch, onset (s), offset (s), velocity, onset bin, length (bins)
        Assert.Equal(["C4", "E4", "G4"], rows.Select(r => r[0]));
        Assert.Equal(["0", "5", "20"], rows.Select(r => r[5]));
        Assert.Equal(["10", "6", "1"], rows.Select(r => r[6])); // at least one bin, however short
        foreach (var r in rows)
            Assert.Equal(1, roll[PianoRoll.Onset, int.Parse(r[5]), int.Parse(r[1])]);
    }

    [Fact]
    public void Every_figure_has_a_static_image_drawn_from_its_data()
    {
        var a = Figures.Bars(["x", "y"], new Dictionary<string, double[]> { ["s"] = [0.2, 0.8] }, "t", "fraction");
        var b = Figures.Bars(["x", "y"], new Dictionary<string, double[]> { ["s"] = [0.8, 0.2] }, "t", "fraction");
        var roll = Figures.RollChannels(Notes((0, 10, 60, 90), (20, 5, 72, 30)), "t");
        foreach (var figure in new[] { a, roll })
        {
            byte[] png = figure.Png();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Equal(FigureHtml.MaxWidth, BigEndian(png, 16)); // IHDR: width, then height
            Assert.Equal(figure.Spec["layout"]!["height"]!.GetValue<int>(), BigEndian(png, 20));
            Assert.Equal(png, figure.Png()); // the same figure, the same image
            // The page shows it until plotly draws, and for good where no script runs.
            Assert.Contains("<img alt=\"t\" ", figure.Html);
            Assert.Contains("src=\"data:image/png;base64," + Convert.ToBase64String(png) + "\"", figure.Html);
            Assert.Contains("displayModeBar:false", figure.Html);
        }
        Assert.NotEqual(a.Png(), b.Png()); // the bars are drawn, not just the axes
    }

    [Fact]
    public void A_figure_element_the_static_image_cannot_draw_is_named_and_an_error_under_test()
    {
        var ok = Figures.Bars(["x", "y"], new Dictionary<string, double[]> { ["s"] = [0.2, 0.8] }, "t", "fraction");
        var roll = Figures.RollChannels(Notes((0, 10, 60, 90), (20, 5, 72, 30)), "t");
        var windows = Figures.Windows(1200, new Encoding.SegmentSpec(4), "t");
        Assert.All(new[] { ok, roll, windows }, f => Assert.Empty(f.ImageGaps));
        // A pie, a dropdown, horizontal bars, a rectangle and a colour scale the image has no case for: each named.
        var spec = JsonNode.Parse(ok.Spec.ToJsonString())!.AsObject();
        spec["data"]!.AsArray().Add(new JsonObject { ["type"] = "pie" });
        spec["data"]![0]!["orientation"] = "h";
        spec["data"]![0]!["colorscale"] = "Inferno";
        spec["layout"]!["updatemenus"] = new JsonArray();
        spec["layout"]!["shapes"] = JsonNode.Parse("""[{"type":"rect","x0":0,"x1":1}]""");
        var gapped = new Figure("t", spec);
        Assert.Equal(
            [
                "data[0].orientation=h",
                "data[0].colorscale=Inferno",
                "data[1].type=pie",
                "layout.updatemenus",
                "layout.shapes[0].type=rect",
            ],
            gapped.ImageGaps
        );
        // Under test (and CI) the image refuses; elsewhere it says on its face what it leaves out.
        var e = Assert.Throws<NotSupportedException>(() => gapped.Png());
        Assert.Contains("layout.updatemenus", e.Message);
    }

    static int BigEndian(byte[] b, int at) => b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];
}

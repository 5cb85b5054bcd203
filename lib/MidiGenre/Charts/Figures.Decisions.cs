using System.Text.Json.Nodes;
using MidiGenre.Attacks;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;

namespace MidiGenre.Charts;

/// <summary>Figures of how the model decides and how an attack moves it (notebooks 03 and 04): one performance's
/// vote, PGD's loss step by step, and an attack's change before and after realisation as MIDI.</summary>
public static partial class Figures
{
    /// <summary>Colours for up to 13 classes (plotly's ten, then three more), one per class in every figure.</summary>
    static readonly string[] ClassColours =
    [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#7f7f7f",
        "#bcbd22",
        "#17becf",
        "#393b79",
        "#ad494a",
        "#637939",
    ];

    /// <summary>How one performance is classified: each segment's softmax probabilities as a stacked bar (one colour
    /// per class), the class the segment votes for written above it, and the vote's outcome in the title (the paper's
    /// rule: most votes, ties to the higher mean probability).</summary>
    public static Figure Votes(
        SegmentPredictions predictions,
        int piece,
        IReadOnlyList<string> classes,
        string performance
    )
    {
        var data = predictions.Data;
        var segments = Enumerable.Range(0, data.Count).Where(k => data.Segments[k].Piece == piece).ToList();
        var probabilities = segments.Select(k => predictions.Probabilities[k]).ToList();
        var (winner, votes, _) = Evaluator.Vote(probabilities, classes.Count);
        string truth = classes[data.Pieces[piece].Label];
        string title =
            $"How the {segments.Count} segments of {performance} vote: {classes[winner]}, {votes[winner]} of "
            + $"{segments.Count} (truth: {truth})";
        string[] labels =
        [
            .. segments.Select((_, i) => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        var spec = ChartHost.Call(
            "Bars",
            title,
            "segment of the performance (in time order)",
            "softmax probability",
            labels,
            classes.ToArray(),
            classes.Select((_, c) => probabilities.Select(p => (double)p[c]).ToArray()).ToArray()
        );
        for (int c = 0; c < classes.Count; c++)
            Trace(spec, c)["marker"] = new JsonObject { ["color"] = ClassColours[c % ClassColours.Length] };
        var layout = spec["layout"]!.AsObject();
        layout["barmode"] = "stack";
        layout["annotations"] = new JsonArray(
            probabilities
                .Select(
                    (p, i) =>
                        (JsonNode)
                            new JsonObject
                            {
                                ["xref"] = "x",
                                ["yref"] = "y",
                                ["x"] = i, // the category's index: the labels are numerals plotly would read as numbers
                                ["y"] = 1.0,
                                ["yanchor"] = "bottom",
                                ["showarrow"] = false,
                                ["textangle"] = segments.Count > 12 ? -90 : 0,
                                ["text"] = classes[SegmentPredictions.ArgMax(p)],
                            }
                )
                .ToArray()
        );
        Axis(spec, "yaxis")["range"] = new JsonArray(0, segments.Count > 12 ? 1.35 : 1.12);
        Axis(spec, "xaxis")["type"] = "category";
        return Finish(title, spec);
    }

    /// <summary>PGD step by step on the same test segments: the loss it climbs (left) and the share of segments still
    /// classified correctly (right), each with its clean value as a dotted line; step 0 is the random start.</summary>
    public static Figure PgdSteps(PgdTraceResult trace, string title)
    {
        double[] steps = [.. Enumerable.Range(0, trace.Steps + 1).Select(k => (double)k)];
        var spec = ChartHost.Call(
            "Lines",
            title,
            "PGD step (0 = random start)",
            "cross-entropy of the true class (nats)",
            new[] { "loss", "segments still correct" },
            new[] { steps, steps },
            new[] { trace.Loss, trace.Accuracy }
        );
        StyleSeries(spec);
        SideBySide(
            spec,
            [0],
            ("PGD step (0 = random start)", "mean cross-entropy of the true class (nats)"),
            ("PGD step (0 = random start)", "segments still correct (fraction)")
        );
        Axis(spec, "yaxis2")["range"] = new JsonArray(-0.03, 1.03);
        IntegerTicks(spec, "xaxis");
        IntegerTicks(spec, "xaxis2");
        Axis(spec, "xaxis")["tick0"] = 0;
        Axis(spec, "xaxis2")["tick0"] = 0;
        var layout = spec["layout"]!.AsObject();
        layout["shapes"] = new JsonArray(
            ReferenceLine("y", trace.CleanLoss, "x domain"),
            ReferenceLine("y2", trace.CleanAccuracy, "x2 domain")
        );
        layout["annotations"] = new JsonArray(
            ReferenceLabel("x domain", "y", trace.CleanLoss, $"clean ({Label(trace.CleanLoss)})"),
            ReferenceLabel("x2 domain", "y2", trace.CleanAccuracy, $"clean ({Label(trace.CleanAccuracy)})")
        );
        return Finish(title, spec);
    }

    /// <summary>What an attack asked for and what MIDI kept: the change in velocity of the attack's tensor (left,
    /// unrounded, every cell) and of the example realised as MIDI (right: whole velocities, only where notes sound),
    /// on one diverging scale centred on 0.</summary>
    public static Figure Realisation(AdversarialExample example, string title)
    {
        var original = example.Original;
        int frames = original.Frames;
        var (low, high) = PitchRange(0, frames, original, example.Adversarial);
        var before = Rows(original, PianoRoll.Frame, 0, frames, low, high);
        var realised = Rows(example.Adversarial, PianoRoll.Frame, 0, frames, low, high);
        var tensor = example.TensorVelocities ?? throw new ArgumentException("the example has no tensor velocities");
        var asked = before
            .Select(
                (row, i) => row.Select((v, t) => Math.Round(tensor[t * PianoRoll.Pitches + low + i] - v, 2)).ToArray()
            )
            .ToArray();
        var kept = before.Select((row, i) => row.Select((v, t) => realised[i][t] - v).ToArray()).ToArray();
        double max = Math.Max(1, asked.Concat(kept).SelectMany(r => r).Select(Math.Abs).DefaultIfEmpty(0).Max());
        return PitchHeatmaps(
            title,
            ["Δ velocity, the attack's tensor (unrounded)", "Δ velocity, realised as MIDI"],
            [asked, kept],
            (0, frames),
            (low, high),
            (trace, i) =>
            {
                trace["colorscale"] = "RdBu";
                trace["reversescale"] = true;
                trace["zmin"] = -max;
                trace["zmax"] = max;
                trace["showscale"] = i == 1;
                trace["colorbar"] = ColourBar("Δ velocity<br>(adversarial<br>− original)", y: 0.5);
            }
        );
    }

    /// <summary>Where the network listens, per class: mean |gradient| per pitch over the correctly classified segments
    /// of each class, each column scaled to its own maximum (sequential scale; a class with no correct segment is left
    /// blank), over the pitches the segments sound (±2), named by octave.</summary>
    public static Figure SaliencyByClass(ClassSaliency s, string title)
    {
        var scaled = s
            .ByPitch.Select(row =>
            {
                double max = row.Where(double.IsFinite).DefaultIfEmpty(0).Max();
                return row.Select(v => double.IsFinite(v) && max > 0 ? Math.Round(v / max, 3) : double.NaN).ToArray();
            })
            .ToArray();
        int low = Math.Max(0, s.NoteRange.Low - 2),
            high = Math.Min(PianoRoll.Pitches - 1, s.NoteRange.High + 2);
        var z = Enumerable.Range(low, high - low + 1).Select(p => scaled.Select(r => r[p]).ToArray()).ToArray();
        string[] columns = [.. s.Classes.Select((c, i) => $"{c} ({s.Segments[i]})")];
        var spec = ChartHost.Call(
            "Heatmap",
            title,
            "class (correctly classified segments)",
            "pitch",
            z,
            columns,
            Labels(high - low + 1)
        );
        var trace = Trace(spec, 0);
        trace["y"] = new JsonArray(
            Enumerable.Range(low, high - low + 1).Select(p => (JsonNode)JsonValue.Create(p)).ToArray()
        );
        trace["colorscale"] = "Viridis";
        trace["zmin"] = 0;
        trace["zmax"] = 1;
        trace["colorbar"] = ColourBar("mean |gradient|<br>(share of the class's max)", y: 0.5);
        trace["hovertemplate"] = "%{x}, pitch %{y}: %{z}<extra></extra>";
        PitchAxis(spec, "yaxis", low, high);
        return Finish(title, spec, height: 560);
    }

    /// <summary>Adversarial training epoch by epoch, on the same fixed validation segments: clean and PGD robust
    /// accuracy (left), and the same two as one path, robust against clean (right; each point an epoch, labelled): the
    /// trade-off the defense makes. Epochs that measured no robust accuracy are left out.</summary>
    public static Figure RobustTraining(IEnumerable<Training.EpochMetrics> history, string title)
    {
        var h = history.Where(m => m.ValRobustAccuracy is double && m.ValRobustCleanAccuracy is double).ToList();
        double[] epochs = [.. h.Select(m => (double)m.Epoch)];
        double[] clean = [.. h.Select(m => m.ValRobustCleanAccuracy!.Value)];
        double[] robust = [.. h.Select(m => m.ValRobustAccuracy!.Value)];
        var spec = ChartHost.Call(
            "Lines",
            title,
            "epoch",
            "accuracy (fraction)",
            new[] { "clean", "PGD-10 (robust)", "robust vs clean, per epoch" },
            new[] { epochs, epochs, clean },
            new[] { clean, robust, robust }
        );
        StyleSeries(spec);
        var path = Trace(spec, 2);
        path["mode"] = "lines+markers+text";
        path["text"] = new JsonArray(h.Select(m => (JsonNode)JsonValue.Create($"{m.Epoch}")).ToArray());
        path["textposition"] = "top center";
        path["line"]!["color"] = Palette[2];
        SideBySide(
            spec,
            [0, 1],
            ("epoch", "fixed validation segments correct (fraction)"),
            ("clean accuracy (fraction)", "PGD-10 robust accuracy (fraction)")
        );
        Axis(spec, "yaxis")["range"] = new JsonArray(-0.03, 1.03);
        Axis(spec, "yaxis2")["range"] = new JsonArray(-0.03, 1.03);
        Axis(spec, "xaxis2")["range"] = new JsonArray(-0.03, 1.03);
        IntegerTicks(spec, "xaxis");
        return Finish(title, spec);
    }

    /// <summary>A horizontal line across a panel at <paramref name="level"/> (a chance or clean value).</summary>
    static JsonObject ReferenceLine(string yref, double level, string xref, string dash = "dot") =>
        new()
        {
            ["type"] = "line",
            ["xref"] = xref,
            ["x0"] = 0,
            ["x1"] = 1,
            ["yref"] = yref,
            ["y0"] = level,
            ["y1"] = level,
            ["line"] = new JsonObject
            {
                ["color"] = "#444",
                ["dash"] = dash,
                ["width"] = 1.5,
            },
        };

    static JsonObject ReferenceLabel(string xref, string yref, double level, string text) =>
        new()
        {
            ["xref"] = xref,
            ["x"] = 1,
            ["xanchor"] = "right",
            ["yref"] = yref,
            ["y"] = level,
            ["yanchor"] = "bottom",
            ["showarrow"] = false,
            ["text"] = text,
        };
}

using System.Text.Json.Nodes;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Experiments;
using MidiGenre.Training;

namespace MidiGenre.Charts;

/// <summary>
/// The project's figures. Plotly.NET builds them (via <see cref="ChartHost"/>); the layout is then finished here in
/// plotly's own attributes so that each figure reads on its own at 800 px: a title that says what and on which data,
/// axis titles with units, colour-bar titles, note names on pitch axes, series told apart by dash and marker as well as
/// colour, integer epochs, value labels on bars, numbers in confusion cells, a diverging scale centred on 0 for signed
/// differences, and a width that follows the page.
/// </summary>
public static partial class Figures
{
    /// <summary>Colours shared by every figure (plotly's default cycle), so an attack keeps its colour across
    /// panels.</summary>
    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    static readonly string[] Dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];
    static readonly string[] Symbols =
    [
        "circle",
        "square",
        "diamond",
        "triangle-up",
        "x",
        "star",
        "cross",
        "triangle-down",
    ];
    static readonly string[] NoteNames = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"];

    /// <summary>"C4" for MIDI pitch 60.</summary>
    public static string NoteName(int pitch) => NoteNames[pitch % 12] + (pitch / 12 - 1);

    /// <summary>One channel of a roll as a heatmap: time (s) across, pitch (note names) up, only the pitches in
    /// use.</summary>
    public static Figure Roll(PianoRoll roll, int channel, string title, int start = 0, int length = 400)
    {
        int end = Math.Min(roll.Frames, start + length);
        var (low, high) = PitchRange(start, end, roll);
        var z = Rows(roll, channel, start, end, low, high);
        var spec = ChartHost.Call(
            "Heatmap",
            title,
            "time (s)",
            "pitch",
            z,
            Labels(end - start),
            Labels(high - low + 1)
        );
        var trace = Trace(spec, 0);
        SetHeatmapAxes(trace, start, end, low, high);
        trace["colorscale"] = "Viridis";
        trace["zmin"] = 0;
        trace["zmax"] = channel == PianoRoll.Onset ? 1 : 127;
        trace["colorbar"] = new JsonObject
        {
            ["title"] = new JsonObject { ["text"] = channel == PianoRoll.Onset ? "onset (0/1)" : "velocity (0–127)" },
        };
        PitchAxis(spec, "yaxis", low, high);
        return Finish(title, spec, height: 520);
    }

    /// <summary>Original and adversarial velocities on one shared scale (0–127) and their signed difference
    /// (adversarial − original) on a diverging scale centred on 0, side by side.</summary>
    public static Figure RollDifference(PianoRoll original, PianoRoll adversarial, string title)
    {
        int frames = original.Frames;
        var (low, high) = PitchRange(0, frames, original, adversarial);
        var a = Rows(original, PianoRoll.Frame, 0, frames, low, high);
        var b = Rows(adversarial, PianoRoll.Frame, 0, frames, low, high);
        var d = a.Select((row, i) => row.Select((v, t) => b[i][t] - v).ToArray()).ToArray();
        double maxAbs = Math.Max(1, d.SelectMany(r => r).Select(Math.Abs).DefaultIfEmpty(0).Max());
        return PitchHeatmaps(
            title,
            ["original", "adversarial", "adversarial − original"],
            [a, b, d],
            (0, frames),
            (low, high),
            (trace, i) =>
            {
                bool diff = i == 2;
                trace["colorscale"] = diff ? "RdBu" : "Viridis";
                trace["reversescale"] = diff;
                trace["zmin"] = diff ? -maxAbs : 0;
                trace["zmax"] = diff ? maxAbs : 127;
                trace["showscale"] = i != 0;
                // Both colour bars at the right, one above the other: velocity (panels 1–2), Δ velocity (panel 3).
                trace["colorbar"] = new JsonObject
                {
                    ["title"] = new JsonObject { ["text"] = diff ? "Δ velocity" : "velocity" },
                    ["x"] = 1.02,
                    ["y"] = diff ? 0.22 : 0.78,
                    ["len"] = 0.45,
                    ["thickness"] = 12,
                };
            }
        );
    }

    /// <summary>Gradient saliency of one segment on a sequential scale (bright: where a small change moves the
    /// predicted class's score most; |gradient| summed over the onset and velocity channels), with the segment's notes
    /// outlined in white. Viridis: plotly.js 2.28 has no "Inferno" and fell back to a diverging scale.</summary>
    public static Figure Saliency(SaliencyMap s, string title)
    {
        int frames = s.Frames;
        var (low, high) = PitchRange(0, frames, s.Roll);
        var map = s.Map[low..(high + 1)];
        double max = map.SelectMany(r => r).DefaultIfEmpty(0).Max();
        // 2 decimals: a third of the bytes
        var z = map.Select(r => r.Select(v => max > 0 ? Math.Round(v / max, 2) : 0).ToArray()).ToArray();
        var spec = ChartHost.Call("Heatmap", title, "time (s)", "pitch", z, Labels(frames), Labels(high - low + 1));
        var trace = Trace(spec, 0);
        SetHeatmapAxes(trace, 0, frames, low, high);
        trace["colorscale"] = "Viridis";
        trace["zmin"] = 0;
        trace["zmax"] = 1;
        trace["colorbar"] = new JsonObject
        {
            ["title"] = new JsonObject { ["text"] = "|gradient|, onsets + velocities<br>(share of max)" },
        };
        var notes = new JsonObject
        {
            ["type"] = "contour",
            ["name"] = "notes",
            ["showscale"] = false,
            ["hoverinfo"] = "skip",
            ["contours"] = new JsonObject
            {
                ["start"] = 0.5,
                ["end"] = 0.5,
                ["size"] = 1,
                ["coloring"] = "lines",
            },
            ["line"] = new JsonObject { ["color"] = "white", ["width"] = 1.5 },
            ["x"] = trace["x"]!.DeepClone(),
            ["y"] = trace["y"]!.DeepClone(),
            ["z"] = new JsonArray(
                Rows(s.Roll, PianoRoll.Frame, 0, frames, low, high)
                    .Select(r =>
                        (JsonNode)new JsonArray(r.Select(v => (JsonNode)JsonValue.Create(v > 0 ? 1 : 0)).ToArray())
                    )
                    .ToArray()
            ),
            ["colorscale"] = new JsonArray(new JsonArray(0, "white"), new JsonArray(1, "white")),
        };
        spec["data"]!.AsArray().Add(notes);
        PitchAxis(spec, "yaxis", low, high);
        return Finish(title, spec, height: 520);
    }

    static (int Low, int High) PitchRange(int start, int end, params PianoRoll[] rolls)
    {
        int low = 127,
            high = 0;
        foreach (var roll in rolls)
            for (int t = start; t < Math.Min(end, roll.Frames); t++)
            for (int p = 0; p < PianoRoll.Pitches; p++)
                if (roll[PianoRoll.Frame, t, p] > 0)
                {
                    low = Math.Min(low, p);
                    high = Math.Max(high, p);
                }
        return low > high ? (48, 72) : (Math.Max(0, low - 2), Math.Min(127, high + 2));
    }

    static double[][] Rows(PianoRoll roll, int channel, int start, int end, int low, int high) =>
        Enumerable
            .Range(low, high - low + 1)
            .Select(p => Enumerable.Range(start, end - start).Select(t => (double)roll[channel, t, p]).ToArray())
            .ToArray();

    static string[] Labels(int n) =>
        Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Numeric axes: seconds across (so ticks are few and upright), MIDI pitch up.</summary>
    static void SetHeatmapAxes(JsonObject trace, int start, int end, int low, int high)
    {
        trace["x"] = new JsonArray(
            Enumerable
                .Range(start, end - start)
                .Select(t => (JsonNode)JsonValue.Create(Math.Round(t * PianoRoll.BinSeconds, 2)))
                .ToArray()
        );
        trace["y"] = new JsonArray(
            Enumerable.Range(low, high - low + 1).Select(p => (JsonNode)JsonValue.Create(p)).ToArray()
        );
        trace["hovertemplate"] = "t = %{x} s, pitch %{y}: %{z}<extra></extra>";
    }

    static void PitchAxis(JsonObject spec, string axis, int low, int high)
    {
        var cs = Enumerable.Range(low, high - low + 1).Where(p => p % 12 == 0).ToList();
        if (cs.Count < 2)
            cs = Enumerable.Range(low, high - low + 1).Where(p => p % 12 is 0 or 7).ToList();
        var a = Axis(spec, axis);
        a["tickmode"] = "array";
        a["tickvals"] = new JsonArray(cs.Select(p => (JsonNode)JsonValue.Create(p)).ToArray());
        a["ticktext"] = new JsonArray(cs.Select(p => (JsonNode)JsonValue.Create(NoteName(p))).ToArray());
    }

    /// <summary>Two panels over the epochs, each with its own unit: the training and validation loss (left; a gap
    /// that opens is over-fitting) and the accuracies and F1 (right, 0–1; validation series from the validation
    /// split).</summary>
    public static Figure TrainingCurves(IEnumerable<EpochMetrics> history, string title = "Training curves")
    {
        var h = history.ToList();
        var epochs = h.Select(m => (double)m.Epoch).ToArray();
        var series = new (string, Func<EpochMetrics, double>)[]
        {
            ("train loss", m => m.TrainLoss),
            ("validation loss", m => m.ValLoss),
            ("train accuracy", m => m.TrainAccuracy),
            ("validation segment accuracy", m => m.ValSegmentAccuracy),
            ("validation performance accuracy (vote)", m => m.ValPerformanceAccuracy),
            ("validation performance weighted F1", m => m.ValWeightedF1),
        };
        var spec = ChartHost.Call(
            "Lines",
            title,
            "epoch",
            "cross-entropy loss (nats)",
            series.Select(s => s.Item1).ToArray(),
            series.Select(_ => epochs).ToArray(),
            series.Select(s => h.Select(s.Item2).ToArray()).ToArray()
        );
        StyleSeries(spec);
        SideBySide(spec, [0, 1], ("epoch", "cross-entropy loss (nats)"), ("epoch", "accuracy / F1 (fraction)"));
        Axis(spec, "yaxis2")["range"] = new JsonArray(0, 1.05);
        IntegerTicks(spec, "xaxis");
        IntegerTicks(spec, "xaxis2");
        return Finish(title, spec);
    }

    /// <summary>Puts the traces <paramref name="left"/> in a left panel and all others in a right one, each with its
    /// own axes and titles: two quantities in two units never share a y axis.</summary>
    static void SideBySide(JsonObject spec, int[] left, (string X, string Y) leftAxes, (string X, string Y) rightAxes)
    {
        var data = spec["data"]!.AsArray();
        for (int i = 0; i < data.Count; i++)
            if (!left.Contains(i))
            {
                Trace(spec, i)["xaxis"] = "x2";
                Trace(spec, i)["yaxis"] = "y2";
            }
        Axis(spec, "xaxis")["domain"] = new JsonArray(0, 0.44);
        Axis(spec, "xaxis2")["domain"] = new JsonArray(0.56, 1);
        Axis(spec, "xaxis2")["anchor"] = "y2";
        Axis(spec, "yaxis2")["anchor"] = "x2";
        foreach (
            var (axis, text) in new[]
            {
                ("xaxis", leftAxes.X),
                ("yaxis", leftAxes.Y),
                ("xaxis2", rightAxes.X),
                ("yaxis2", rightAxes.Y),
            }
        )
            Axis(spec, axis)["title"] = new JsonObject { ["text"] = text };
    }

    /// <summary>Robust accuracy of segments against the budget, one colour per attack: left on the tensor, right after
    /// realisation as MIDI. One legend entry per attack (it toggles both panels); performance figures (the vote) are
    /// in the sweep's table. Series are per (attack, targeted or not), so a targeted run is never drawn as the
    /// untargeted one; all rows must share one budget unit (the x axis says it), or the figure is refused instead of
    /// mixing units.</summary>
    public static Figure Robustness(IEnumerable<Attacks.AttackResult> rows, string title = "Robust accuracy vs ε")
    {
        var budgeted = rows.Where(r => r.Budget.HasValue && r.SourceModel == null).ToList();
        var units = budgeted.Select(r => r.BudgetUnit).Distinct().ToList();
        if (units.Count > 1)
            throw new ArgumentException(
                "one robustness figure per budget unit; these rows have " + string.Join(" | ", units),
                nameof(rows)
            );
        var series = new List<(string Name, double[] X, double[] Y, int Attack, bool Realised)>();
        var groups = budgeted.GroupBy(r => (r.Attack, r.Targeted)).ToList();
        for (int a = 0; a < groups.Count; a++)
        {
            var s = groups[a].OrderBy(r => r.Budget).ToList();
            var budget = s.Select(r => r.Budget!.Value).ToArray();
            string name = groups[a].Key.Targeted ? $"{groups[a].Key.Attack} (targeted)" : groups[a].Key.Attack;
            series.Add((name, budget, [.. s.Select(r => r.SegmentRobustAccuracy)], a, false));
            series.Add(($"{name}, as MIDI", budget, [.. s.Select(r => r.RealizedSegmentAccuracy)], a, true));
        }
        string xTitle =
            units.Count == 1 && units[0] != Attacks.Attack.VelocityUnit ? units[0] : "ε (normalised velocity; 1 = 127)";
        var spec = ChartHost.Call(
            "Lines",
            title,
            xTitle,
            "accuracy (fraction)",
            series.Select(s => s.Name).ToArray(),
            series.Select(s => s.X).ToArray(),
            series.Select(s => s.Y).ToArray()
        );
        StyleSeries(spec);
        for (int i = 0; i < series.Count; i++)
        {
            string colour = Palette[series[i].Attack % Palette.Length];
            Trace(spec, i)["line"] = new JsonObject { ["color"] = colour, ["width"] = 2 };
            Trace(spec, i)["marker"]!["color"] = colour;
            // One legend entry per attack: the realised line shares its colour, marker and legend group.
            Trace(spec, i)["legendgroup"] = groups[series[i].Attack].Key.ToString();
            Trace(spec, i)["showlegend"] = !series[i].Realised;
            if (series[i].Realised)
                Trace(spec, i)["marker"]!["symbol"] = Trace(spec, i - 1)["marker"]!["symbol"]?.DeepClone();
        }
        SideBySide(
            spec,
            [.. Enumerable.Range(0, series.Count).Where(i => !series[i].Realised)],
            (xTitle, "segments still correct, tensor (fraction)"),
            (xTitle, "segments still correct, as MIDI (fraction)")
        );
        Axis(spec, "yaxis")["range"] = new JsonArray(-0.03, 1.03);
        Axis(spec, "yaxis2")["range"] = new JsonArray(-0.03, 1.03);
        return Finish(title, spec);
    }

    /// <summary>Attack success per budget, one colour per attack (as in <see cref="Robustness"/>): left on the
    /// tensor, right after realisation as MIDI, both as the share of correctly classified segments the attack
    /// misclassifies.</summary>
    public static Figure SuccessRates(IEnumerable<Attacks.AttackResult> rows, string title)
    {
        var attacked = rows.Where(r => r.Budget > 0 && r.Eps != null && r.SourceModel == null).ToList();
        var budgets = attacked.Select(r => r.Budget!.Value).Distinct().Order().ToArray();
        var attacks = attacked.Select(r => r.Attack).Distinct().ToList();
        double Of(string a, double b, bool realised) =>
            attacked.FirstOrDefault(r => r.Attack == a && r.Budget == b) is { } r
                ? realised
                    ? r.RealizedSuccessRate
                    : r.SuccessRate
                : double.NaN;
        var names = attacks.Concat(attacks.Select(a => $"{a}, as MIDI")).ToArray();
        var values = attacks
            .Select(a => budgets.Select(b => Of(a, b, false)).ToArray())
            .Concat(attacks.Select(a => budgets.Select(b => Of(a, b, true)).ToArray()))
            .ToArray();
        string[] labels = [.. budgets.Select(b => $"ε={Label(b)}")];
        var spec = ChartHost.Call("Bars", title, "ε (normalised velocity)", "success", labels, names, values);
        for (int i = 0; i < names.Length; i++)
        {
            Trace(spec, i)["marker"] = new JsonObject { ["color"] = Palette[i % attacks.Count % Palette.Length] };
            Trace(spec, i)["legendgroup"] = attacks[i % attacks.Count];
            Trace(spec, i)["showlegend"] = i < attacks.Count;
        }
        SideBySide(
            spec,
            [.. Enumerable.Range(0, attacks.Count)],
            ("attack strength ε (normalised velocity)", "misclassified, tensor (fraction)"),
            ("attack strength ε (normalised velocity)", "misclassified, as MIDI (fraction)")
        );
        Axis(spec, "yaxis")["range"] = new JsonArray(0, 1.05);
        Axis(spec, "yaxis2")["range"] = new JsonArray(0, 1.05);
        return Finish(title, spec);
    }

    /// <summary>Lines from named (x, y) series, told apart by dash and marker.</summary>
    public static Figure Lines(
        IReadOnlyDictionary<string, (double[] X, double[] Y)> series,
        string title,
        string xTitle,
        string yTitle
    )
    {
        var spec = ChartHost.Call(
            "Lines",
            title,
            xTitle,
            yTitle,
            series.Keys.ToArray(),
            series.Values.Select(v => v.X).ToArray(),
            series.Values.Select(v => v.Y).ToArray()
        );
        StyleSeries(spec);
        return Finish(title, spec);
    }

    /// <summary>Confusion matrix, rows normalised, each cell labelled with its share and count; the diagonal runs from
    /// top left to bottom right.</summary>
    public static Figure Confusion(ClassificationMetrics m, string title = "Confusion matrix (rows normalised)")
    {
        var classes = m.Classes.ToArray();
        var share = m.NormalisedConfusion();
        var spec = ChartHost.Call("Heatmap", title, "predicted class", "true class", share, classes, classes);
        var trace = Trace(spec, 0);
        trace["colorscale"] = "Blues";
        trace["reversescale"] = true; // plotly's Blues runs dark → light; a full cell should be the dark one
        trace["zmin"] = 0;
        trace["zmax"] = 1;
        trace["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = "share of the true class" } };
        trace["text"] = new JsonArray(
            Enumerable
                .Range(0, classes.Length)
                .Select(i =>
                    (JsonNode)
                        new JsonArray(
                            Enumerable
                                .Range(0, classes.Length)
                                .Select(j => (JsonNode)JsonValue.Create($"{share[i][j]:0.00} ({m.Confusion[i, j]})"))
                                .ToArray()
                        )
                )
                .ToArray()
        );
        trace["texttemplate"] = "%{text}";
        trace["hovertemplate"] = "true %{y}, predicted %{x}: %{text}<extra></extra>";
        Axis(spec, "yaxis")["autorange"] = "reversed";
        return Finish(title, spec, height: 560);
    }

    /// <summary>Grouped bars with their values written on them, so a 0 reads as 0, not as missing.</summary>
    public static Figure Bars(
        IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, double[]> series,
        string title,
        string yTitle,
        string xTitle = "",
        double? chance = null
    )
    {
        var spec = ChartHost.Call(
            "Bars",
            title,
            xTitle,
            yTitle,
            labels.ToArray(),
            series.Keys.ToArray(),
            series.Values.ToArray()
        );
        var values = series.Values.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            var trace = Trace(spec, i);
            trace["text"] = new JsonArray(values[i].Select(v => (JsonNode)JsonValue.Create(Label(v))).ToArray());
            trace["textposition"] = "outside";
            trace["cliponaxis"] = false;
        }
        double max = values.SelectMany(v => v).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        Axis(spec, "yaxis")["range"] = new JsonArray(0, Math.Max(Math.Max(max, chance ?? 0), 1e-9) * 1.15);
        if (chance is double c)
            ChanceLine(spec, c);
        return Finish(title, spec);
    }

    /// <summary>Two quantities in two units (e.g. notes added, and |Δ velocity|) as bars in two panels side by side,
    /// each with its own y axis: never two scales on one chart.</summary>
    public static Figure PairedBars(
        IReadOnlyList<string> labels,
        (string Name, double[] Values) left,
        (string Name, double[] Values) right,
        string title,
        string xTitle = ""
    )
    {
        var spec = ChartHost.Call(
            "Bars",
            title,
            xTitle,
            left.Name,
            labels.ToArray(),
            new[] { left.Name, right.Name },
            new[] { left.Values, right.Values }
        );
        foreach (var (i, v) in new[] { (0, left.Values), (1, right.Values) })
        {
            Trace(spec, i)["text"] = new JsonArray(v.Select(x => (JsonNode)JsonValue.Create(Label(x))).ToArray());
            Trace(spec, i)["textposition"] = "outside";
            Trace(spec, i)["cliponaxis"] = false;
            Trace(spec, i)["marker"] = new JsonObject { ["color"] = Palette[i] };
        }
        SideBySide(spec, [0], (xTitle, left.Name), (xTitle, right.Name));
        foreach (var (axis, v) in new[] { ("yaxis", left.Values), ("yaxis2", right.Values) })
            Axis(spec, axis)["range"] = new JsonArray(
                0,
                Math.Max(v.Where(double.IsFinite).DefaultIfEmpty(1).Max(), 1e-9) * 1.2
            );
        return Finish(title, spec);
    }

    /// <summary>A dashed horizontal line across the plot at <paramref name="level"/>, labelled as chance: what
    /// guessing the most common answer at random would score.</summary>
    static void ChanceLine(JsonObject spec, double level)
    {
        var layout = spec["layout"]!.AsObject();
        layout["shapes"] = new JsonArray(ReferenceLine("y", level, "paper", dash: "dash"));
        layout["annotations"] = new JsonArray(ReferenceLabel("paper", "y", level, $"chance ({Label(level)})"));
    }

    /// <summary>A line drawn exactly over an earlier one in the same panel (the same x and y) cannot be seen: its
    /// legend entry says which line hides it, e.g. "autoattack (same as pgd)", instead of promising a line that is
    /// not there.</summary>
    static void NameCoincidentLines(JsonObject spec)
    {
        var data = spec["data"]!.AsArray();
        for (int i = 0; i < data.Count; i++)
        {
            var t = data[i]!.AsObject();
            if (t["type"]?.ToString() is not (null or "scatter") || t["showlegend"]?.GetValue<bool>() == false)
                continue;
            for (int j = 0; j < i; j++)
            {
                var u = data[j]!.AsObject();
                bool samePanel =
                    t["xaxis"]?.ToString() == u["xaxis"]?.ToString()
                    && t["yaxis"]?.ToString() == u["yaxis"]?.ToString();
                if (
                    samePanel
                    && u["type"]?.ToString() is null or "scatter"
                    && JsonNode.DeepEquals(t["x"], u["x"])
                    && JsonNode.DeepEquals(t["y"], u["y"])
                )
                {
                    t["name"] = $"{t["name"]} (same as {u["name"]})";
                    break;
                }
            }
        }
    }

    static string Label(double v) =>
        !double.IsFinite(v) ? "n/a"
        : Math.Abs(v) >= 10 ? v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)
        : v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    static void StyleSeries(JsonObject spec)
    {
        var data = spec["data"]!.AsArray();
        for (int i = 0; i < data.Count; i++)
        {
            var trace = data[i]!.AsObject();
            trace["line"] = new JsonObject { ["dash"] = Dashes[i % Dashes.Length], ["width"] = 2 };
            trace["marker"] = new JsonObject { ["symbol"] = Symbols[i % Symbols.Length], ["size"] = 8 };
            trace["mode"] = "lines+markers";
        }
    }

    static void IntegerTicks(JsonObject spec, string axis)
    {
        Axis(spec, axis)["dtick"] = 1;
        Axis(spec, axis)["tick0"] = 1;
    }

    static JsonObject Trace(JsonObject spec, int i) => spec["data"]![i]!.AsObject();

    static JsonObject Axis(JsonObject spec, string name)
    {
        var layout = spec["layout"] as JsonObject ?? (JsonObject)(spec["layout"] = new JsonObject());
        return layout[name] as JsonObject ?? (JsonObject)(layout[name] = new JsonObject());
    }

    /// <summary>Responsive width (the output's), a fixed height, a legend below the plot, room for the title, fonts
    /// a projector can carry, and a legend that owns up to series hidden under another.</summary>
    static Figure Finish(string title, JsonObject spec, int height = FigureHtml.Height)
    {
        NameCoincidentLines(spec);
        var layout = spec["layout"] as JsonObject ?? (JsonObject)(spec["layout"] = new JsonObject());
        layout["font"] = new JsonObject { ["size"] = 14 };
        layout.Remove("width");
        layout["autosize"] = true;
        layout["height"] = height;
        layout["title"] = new JsonObject
        {
            ["text"] = title,
            ["x"] = 0.02,
            ["font"] = new JsonObject { ["size"] = 18 },
        };
        layout["legend"] = new JsonObject
        {
            ["orientation"] = "h",
            ["y"] = -0.22,
            ["x"] = 0,
        };
        layout["margin"] = new JsonObject
        {
            ["t"] = 60,
            ["b"] = 110,
            ["l"] = 70,
            ["r"] = 70,
        };
        return new Figure(title, spec);
    }
}

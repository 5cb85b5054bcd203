using System.Text.Json.Nodes;
using MidiGenre.Encoding;

namespace MidiGenre.Charts;

/// <summary>Figures of the data (notebook 01): a roll's two channels over one time axis, a roll beside a changed copy
/// of it, and where the segments come from on a performance's timeline.</summary>
public static partial class Figures
{
    /// <summary>Both channels of a roll stacked over one time axis: onsets on top (0/1: where a note starts),
    /// velocities below (0–127: how loud it sounds while it sounds), the same pitches on both.</summary>
    public static Figure RollChannels(PianoRoll roll, string title, int start = 0, int length = 400)
    {
        int end = Math.Min(roll.Frames, start + length);
        var (low, high) = PitchRange(start, end, roll);
        var velocities = Rows(roll, PianoRoll.Frame, start, end, low, high);
        var spec = ChartHost.Call(
            "Heatmap",
            title,
            "time (s)",
            "pitch",
            velocities,
            Labels(end - start),
            Labels(high - low + 1)
        );
        var velocity = Trace(spec, 0);
        SetHeatmapAxes(velocity, start, end, low, high);
        velocity["colorscale"] = "Viridis";
        velocity["zmin"] = 0;
        velocity["zmax"] = 127;
        velocity["colorbar"] = ColourBar("velocity (0–127)", y: 0.23);
        var onset = velocity.DeepClone().AsObject();
        onset["z"] = Matrix(Rows(roll, PianoRoll.Onset, start, end, low, high));
        onset["zmax"] = 1;
        onset["yaxis"] = "y2";
        onset["colorbar"] = ColourBar("onset (0/1)", y: 0.77);
        spec["data"]!.AsArray().Add(onset);
        Axis(spec, "yaxis")["domain"] = new JsonArray(0, 0.46);
        Axis(spec, "yaxis2")["domain"] = new JsonArray(0.54, 1);
        Axis(spec, "yaxis2")["anchor"] = "x";
        Axis(spec, "yaxis")["title"] = new JsonObject { ["text"] = "velocities: pitch" };
        Axis(spec, "yaxis2")["title"] = new JsonObject { ["text"] = "onsets: pitch" };
        PitchAxis(spec, "yaxis", low, high);
        PitchAxis(spec, "yaxis2", low, high);
        return Finish(title, spec, height: 680);
    }

    /// <summary>Two rolls of the same length side by side on one pitch range and one colour scale (one channel), e.g. a
    /// segment and its transposed copy.</summary>
    public static Figure RollPair(
        PianoRoll left,
        PianoRoll right,
        (string Left, string Right) subtitles,
        string title,
        int channel = PianoRoll.Frame
    )
    {
        int frames = Math.Min(left.Frames, right.Frames);
        var (low, high) = PitchRange(0, frames, left, right);
        double[][][] z = [Rows(left, channel, 0, frames, low, high), Rows(right, channel, 0, frames, low, high)];
        return PitchHeatmaps(
            title,
            [subtitles.Left, subtitles.Right],
            z,
            (0, frames),
            (low, high),
            (trace, i) =>
            {
                trace["colorscale"] = "Viridis";
                trace["zmin"] = 0;
                trace["zmax"] = channel == PianoRoll.Onset ? 1 : 127;
                trace["showscale"] = i == 1;
                trace["colorbar"] = ColourBar(channel == PianoRoll.Onset ? "onset (0/1)" : "velocity (0–127)", y: 0.5);
            }
        );
    }

    /// <summary>Heatmaps of rolls side by side over the same frames and pitches: time (s) across, note names up, the
    /// axes titled in every panel; <paramref name="style"/> sets each trace's colour scale and bar.</summary>
    static Figure PitchHeatmaps(
        string title,
        string[] subtitles,
        double[][][] z,
        (int Start, int End) frames,
        (int Low, int High) pitches,
        Action<JsonObject, int> style
    )
    {
        var spec = ChartHost.Call(
            "Heatmaps",
            title,
            "time (s)",
            "pitch",
            subtitles,
            z,
            Labels(frames.End - frames.Start),
            Labels(pitches.High - pitches.Low + 1)
        );
        for (int i = 0; i < z.Length; i++)
        {
            var trace = Trace(spec, i);
            SetHeatmapAxes(trace, frames.Start, frames.End, pitches.Low, pitches.High);
            style(trace, i);
            string suffix = i == 0 ? "" : $"{i + 1}";
            PitchAxis(spec, "yaxis" + suffix, pitches.Low, pitches.High);
            Axis(spec, "yaxis" + suffix)["title"] = new JsonObject { ["text"] = "pitch" };
            Axis(spec, "xaxis" + suffix)["title"] = new JsonObject { ["text"] = "time (s)" };
        }
        return Finish(title, spec, height: 520);
    }

    /// <summary>Where a performance's segments come from: each window on its timeline (training reads a random crop
    /// anywhere inside it) and the centred crop evaluation reads, one row per window; a dotted line marks the end of
    /// the performance.</summary>
    public static Figure Windows(int frames, SegmentSpec spec, string title)
    {
        var starts = spec.WindowStarts(frames);
        double bin = PianoRoll.BinSeconds;
        string window =
            $"window ({spec.WindowBins * bin:0.#} s: training crops {spec.CropBins * bin:0.#} s anywhere in it)";
        string crop = $"evaluation crop (the centred {spec.CropBins * bin:0.#} s)";
        var names = new List<string>();
        var xs = new List<double[]>();
        var ys = new List<double[]>();
        for (int i = 0; i < starts.Length; i++)
        {
            int s = starts[i];
            names.Add(window);
            xs.Add([s * bin, (s + spec.WindowBins) * bin]);
            ys.Add([i + 1, i + 1]);
            names.Add(crop);
            int c = s + spec.CentreCropOffset;
            xs.Add([c * bin, (c + spec.CropBins) * bin]);
            ys.Add([i + 1, i + 1]);
        }
        var figure = ChartHost.Call(
            "Lines",
            title,
            "time in the performance (s)",
            "window",
            names.ToArray(),
            xs.ToArray(),
            ys.ToArray()
        );
        for (int i = 0; i < names.Count; i++)
        {
            bool isWindow = i % 2 == 0;
            var t = Trace(figure, i);
            t["mode"] = "lines";
            t["line"] = new JsonObject { ["color"] = isWindow ? "#c7c7c7" : Palette[0], ["width"] = isWindow ? 12 : 5 };
            t["legendgroup"] = isWindow ? "window" : "crop";
            t["showlegend"] = i < 2;
        }
        figure["layout"]!["shapes"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "line",
                ["xref"] = "x",
                ["x0"] = frames * bin,
                ["x1"] = frames * bin,
                ["yref"] = "paper",
                ["y0"] = 0,
                ["y1"] = 1,
                ["line"] = new JsonObject { ["color"] = "#444", ["dash"] = "dot" },
            }
        );
        Axis(figure, "yaxis")["autorange"] = "reversed";
        Axis(figure, "xaxis")["range"] = new JsonArray(-0.5, frames * bin + 1);
        if (starts.Length <= 20)
            IntegerTicks(figure, "yaxis");
        return Finish(title, figure, height: Math.Clamp(200 + 22 * starts.Length, 360, 900));
    }

    static JsonObject ColourBar(string title, double y) =>
        new()
        {
            ["title"] = new JsonObject { ["text"] = title },
            ["y"] = y,
            ["len"] = 0.45,
        };

    static JsonArray Matrix(double[][] rows) =>
        new(
            rows.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)JsonValue.Create(v)).ToArray())).ToArray()
        );
}

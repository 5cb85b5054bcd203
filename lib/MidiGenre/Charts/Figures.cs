using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using static System.Globalization.CultureInfo;

namespace MidiGenre.Charts;

/// <summary>The project's figures, with titles, axis labels and units (drawn by Plotly.NET via <see cref="ChartHost"/>).</summary>
public static class Figures
{
    const int W = 900, H = 450;

    /// <summary>One channel of a roll as a heatmap: time (s) across, MIDI pitch up.</summary>
    public static Figure Roll(PianoRoll roll, int channel, string title, int start = 0, int length = 400, int lowPitch = 21, int highPitch = 108)
    {
        var (z, x, y) = Grid(roll, channel, start, length, lowPitch, highPitch);
        return ChartHost.Call("Heatmap", title, "time (s)", "MIDI pitch", z, x, y, W, H);
    }

    /// <summary>Original, adversarial and |difference| of the velocity channel side by side.</summary>
    public static Figure RollDifference(PianoRoll original, PianoRoll adversarial, string title, int lowPitch = 21, int highPitch = 108)
    {
        var diff = new PianoRoll(original.Frames);
        for (int i = 0; i < diff.Data.Length; i++) diff.Data[i] = (byte)Math.Min(127, Math.Abs(adversarial.Data[i] - original.Data[i]));
        var a = Grid(original, PianoRoll.Frame, 0, original.Frames, lowPitch, highPitch);
        var b = Grid(adversarial, PianoRoll.Frame, 0, original.Frames, lowPitch, highPitch);
        var d = Grid(diff, PianoRoll.Frame, 0, original.Frames, lowPitch, highPitch);
        return ChartHost.Call("Heatmaps", title, "time (s)", "MIDI pitch", new[] { "original", "adversarial", "|difference|" },
            new[] { a.Z, b.Z, d.Z }, a.X, a.Y, 1200, H);
    }

    static (double[][] Z, string[] X, string[] Y) Grid(PianoRoll roll, int channel, int start, int length, int low, int high)
    {
        length = Math.Max(0, Math.Min(length, roll.Frames - start));
        var z = Enumerable.Range(low, high - low + 1).Select(p => Enumerable.Range(start, length).Select(t => (double)roll[channel, t, p]).ToArray()).ToArray();
        var x = Enumerable.Range(start, length).Select(t => (t * PianoRoll.BinSeconds).ToString("0.00", InvariantCulture)).ToArray();
        var y = Enumerable.Range(low, high - low + 1).Select(p => p.ToString(InvariantCulture)).ToArray();
        return (z, x, y);
    }

    public static Figure TrainingCurves(IEnumerable<EpochMetrics> history, string title = "Training curves")
    {
        var h = history.ToList();
        var epochs = h.Select(m => (double)m.Epoch).ToArray();
        var series = new (string, Func<EpochMetrics, double>)[]
        {
            ("train loss", m => m.TrainLoss), ("train accuracy", m => m.TrainAccuracy), ("val segment accuracy", m => m.ValSegmentAccuracy),
            ("val piece accuracy", m => m.ValPieceAccuracy), ("val weighted F1", m => m.ValWeightedF1),
        };
        return ChartHost.Call("Lines", title, "epoch", "loss (nats) / accuracy (fraction)", series.Select(s => s.Item1).ToArray(),
            series.Select(_ => epochs).ToArray(), series.Select(s => h.Select(s.Item2).ToArray()).ToArray(), W, H);
    }

    /// <summary>Robust accuracy against ε per attack: segment, piece (majority vote), and after realisation as MIDI.</summary>
    public static Figure Robustness(IEnumerable<AttackFigures> rows, string title = "Robust accuracy vs ε")
    {
        var names = new List<string>(); var xs = new List<double[]>(); var ys = new List<double[]>();
        foreach (var g in rows.Where(r => r.Eps.HasValue).GroupBy(r => r.Attack))
        {
            var s = g.OrderBy(r => r.Eps).ToList();
            var eps = s.Select(r => r.Eps!.Value).ToArray();
            names.Add($"{g.Key}: segment"); xs.Add(eps); ys.Add(s.Select(r => r.SegmentRobustAccuracy).ToArray());
            names.Add($"{g.Key}: piece (vote)"); xs.Add(eps); ys.Add(s.Select(r => r.PieceRobustAccuracy).ToArray());
            names.Add($"{g.Key}: segment, realised as MIDI"); xs.Add(eps); ys.Add(s.Select(r => r.RealizedSegmentAccuracy).ToArray());
        }
        return ChartHost.Call("Lines", title, "ε (normalised velocity; 1.0 = 127)", "accuracy (fraction)", names.ToArray(), xs.ToArray(), ys.ToArray(), W, H);
    }

    /// <summary>Lines from named (x, y) series.</summary>
    public static Figure Lines(IReadOnlyDictionary<string, (double[] X, double[] Y)> series, string title, string xTitle, string yTitle) =>
        ChartHost.Call("Lines", title, xTitle, yTitle, series.Keys.ToArray(), series.Values.Select(v => v.X).ToArray(), series.Values.Select(v => v.Y).ToArray(), W, H);

    public static Figure Confusion(ClassificationMetrics m, string title = "Confusion matrix (rows normalised)") =>
        ChartHost.Call("Heatmap", title, "predicted composer", "true composer", m.NormalisedConfusion(), m.Classes.ToArray(), m.Classes.ToArray(), 700, 600);

    /// <summary>Grouped bars: one group per label, one bar per series.</summary>
    public static Figure Bars(IReadOnlyList<string> labels, IReadOnlyDictionary<string, double[]> series, string title, string yTitle, string xTitle = "") =>
        ChartHost.Call("Bars", title, xTitle, yTitle, labels.ToArray(), series.Keys.ToArray(), series.Values.ToArray(), W, H);
}

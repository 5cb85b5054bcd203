using MidiGenre.Common;
using MidiGenre.Encoding;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>Changes only the velocities of notes that are already there: PGD (L∞, ε in normalised velocity) masked to
/// sounding frame cells; onsets never change, so no note is added or removed.</summary>
public sealed class VelocityAttack(double eps, double alpha, int steps = 10, int seed = 0)
    : Pgd(eps, alpha, steps, Norm.LInf, true, seed)
{
    public override string Name => "velocity";

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [.. base.Settings(), ("cells", "velocities of sounding frame cells only")];

    protected override Tensor? Mask(Tensor x)
    {
        var mask = zeros_like(x);
        int frame = (int)x.shape[1] - 1;
        mask[.., frame] = x[.., frame].gt(0).to_type(x.dtype);
        return mask;
    }
}

/// <summary>Where inserted notes may go.</summary>
public enum InsertionRule
{
    Any,
    ChordTones,
    BelowMelody,
}

/// <summary>
/// Gradient-guided note insertion (the paper's "column" attack): every <c>Stride</c> time bins, the
/// <c>NotesPerColumn</c> silent pitches whose gradient most increases the loss get a new note of <c>Length</c> bins at
/// <c>Velocity</c>.
/// <see cref="InsertionRule.ChordTones"/> allows only pitch classes of the chord sounding in the window (the three
/// strongest pitch classes); <see cref="InsertionRule.BelowMelody"/> allows nothing above the top voice at that time.
/// </summary>
public sealed class NoteInsertionAttack(
    int notesPerColumn = 1,
    int stride = 8,
    int length = 4,
    int velocity = 64,
    InsertionRule rule = InsertionRule.Any
) : Attack
{
    public override string Name =>
        rule switch
        {
            InsertionRule.ChordTones => "chord",
            InsertionRule.BelowMelody => "melody",
            _ => "column",
        };
    public override double? Budget => notesPerColumn;

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [("stride_bins", $"{stride}"), ("note_bins", $"{length}"), ("velocity", $"{velocity}"), ("rule", $"{rule}")];

    public override string BudgetUnit =>
        $"notes added per column of {stride} bins ({stride * PianoRoll.BinSeconds:0.##} s)";

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var grad = LossGradient(model, x, y).cpu();
        var xc = x.cpu();
        long b = x.shape[0],
            c = x.shape[1],
            t = x.shape[2];
        var data = xc.data<float>().ToArray();
        var original = (float[])data.Clone(); // the rule reads the music as it was, not earlier insertions
        var g = grad.data<float>().ToArray();
        int frameCh = (int)c - 1;
        for (int i = 0; i < b; i++)
        for (int col = 0; col + length <= t; col += stride)
        {
            var allowed = Allowed(original, i, (int)c, (int)t, frameCh, col);
            // Score = gradient summed over the cells the note would occupy (onset cell + frame cells).
            var candidates = new List<(double Score, int Pitch)>();
            for (int p = 0; p < 128; p++)
            {
                if (!allowed[p] || At(data, i, frameCh, col, p, c, t) > 0)
                    continue;
                double score = 0;
                for (int k = 0; k < length; k++)
                    score += At(g, i, frameCh, col + k, p, c, t) * 127;
                if (c == 2)
                    score += At(g, i, 0, col, p, c, t);
                if (score > 0)
                    candidates.Add((score, p));
            }
            foreach (var (_, p) in candidates.OrderByDescending(s => s.Score).Take(notesPerColumn))
            {
                if (c == 2)
                    Set(data, i, 0, col, p, c, t, 1);
                for (int k = 0; k < length; k++)
                    Set(data, i, frameCh, col + k, p, c, t, Math.Max(velocity, At(data, i, frameCh, col + k, p, c, t)));
            }
        }
        return tensor(data, x.shape).to(x.device).MoveToOuterDisposeScope();
    }

    bool[] Allowed(float[] d, int i, int c, int t, int frameCh, int col)
    {
        var allowed = new bool[128];
        if (rule == InsertionRule.Any)
        {
            Array.Fill(allowed, true);
            return allowed;
        }
        if (rule == InsertionRule.BelowMelody)
        {
            int top = -1;
            for (int k = 0; k < length; k++)
            for (int p = 127; p > top; p--)
                if (At(d, i, frameCh, col + k, p, c, t) > 0)
                {
                    top = p;
                    break;
                }
            for (int p = 0; p < top; p++)
                allowed[p] = true;
            return allowed;
        }
        // Chord tones: the three pitch classes with the most energy in a window around the column.
        var energy = new double[12];
        int from = Math.Max(0, col - 2 * stride),
            to = Math.Min(t, col + 2 * stride);
        for (int k = from; k < to; k++)
        for (int p = 0; p < 128; p++)
            energy[p % 12] += At(d, i, frameCh, k, p, c, t);
        var chord = Enumerable
            .Range(0, 12)
            .Where(pc => energy[pc] > 0)
            .OrderByDescending(pc => energy[pc])
            .Take(3)
            .ToHashSet();
        for (int p = 0; p < 128; p++)
            allowed[p] = chord.Contains(p % 12);
        return allowed;
    }

    static float At(float[] d, int i, int ch, int time, int p, long c, long t) =>
        d[((i * c + ch) * t + time) * 128 + p];

    static void Set(float[] d, int i, int ch, int time, int p, long c, long t, float v) =>
        d[((i * c + ch) * t + time) * 128 + p] = v;
}

/// <summary>The paper's "random" baseline: each column of <c>Stride</c> bins gets a note at a random silent pitch
/// (within the segment's pitch range) with probability <c>Rate</c>.</summary>
public sealed class RandomNoteAttack(double rate = 0.5, int stride = 8, int length = 4, int velocity = 64, int seed = 0)
    : Attack(seed)
{
    public override string Name => "random";
    public override double? Budget => rate;

    protected override IEnumerable<(string Key, string Value)> Settings() =>
        [("stride_bins", $"{stride}"), ("note_bins", $"{length}"), ("velocity", $"{velocity}")];

    public override string BudgetUnit => $"probability that a column of {stride} bins gets a random note";

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var xc = x.cpu();
        long b = x.shape[0],
            c = x.shape[1],
            t = x.shape[2];
        var d = xc.data<float>().ToArray();
        int frameCh = (int)c - 1;
        for (int i = 0; i < b; i++)
        {
            var rng = random.Managed(i); // segment i's own: the batch it is in does not change its notes
            int lo = 127,
                hi = 0;
            for (int k = 0; k < t; k++)
            for (int p = 0; p < 128; p++)
                if (d[((i * c + frameCh) * t + k) * 128 + p] > 0)
                {
                    lo = Math.Min(lo, p);
                    hi = Math.Max(hi, p);
                }
            if (lo > hi)
            {
                lo = 48;
                hi = 84;
            }
            for (int col = 0; col + length <= t; col += stride)
            {
                if (rng.NextDouble() >= rate)
                    continue;
                int p = rng.Next(lo, hi + 1);
                if (d[((i * c + frameCh) * t + col) * 128 + p] > 0)
                    continue;
                if (c == 2)
                    d[((i * c + 0) * t + col) * 128 + p] = 1;
                for (int k = 0; k < length; k++)
                    d[((i * c + frameCh) * t + col + k) * 128 + p] = Math.Max(
                        velocity,
                        d[((i * c + frameCh) * t + col + k) * 128 + p]
                    );
            }
        }
        return tensor(d, x.shape).to(x.device).MoveToOuterDisposeScope();
    }
}

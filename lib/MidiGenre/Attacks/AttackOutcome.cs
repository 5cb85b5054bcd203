using MidiGenre.Encoding;

namespace MidiGenre.Attacks;

/// <summary>What an attack did to each segment of a dataset: softmax of the adversarial tensor and of its realisation,
/// the realised change, and the L2 size of the tensor change.</summary>
sealed class AttackOutcome(int segments)
{
    public float[][] Adversarial { get; } = new float[segments][];
    public float[][] Realized { get; } = new float[segments][];
    public RollDiff[] Diffs { get; } = new RollDiff[segments];
    public double[] L2 { get; } = new double[segments];

    /// <summary>A no-op attack: the adversarial segments are the clean ones.</summary>
    public void UseClean(CleanReference reference)
    {
        for (int s = 0; s < Adversarial.Length; s++)
        {
            Adversarial[s] = reference.Probabilities[s];
            Realized[s] = reference.RealizedProbabilities[s];
        }
    }
}

/// <summary>Notes added/removed (onsets), and |Δ velocity| over cells sounding in both rolls.</summary>
readonly record struct RollDiff(int Added, int Removed, long AbsDv, long Cells, int MaxDv)
{
    public double MeanAbsDv => Cells == 0 ? 0 : AbsDv / (double)Cells;

    public static RollDiff Of(PianoRoll clean, PianoRoll adv)
    {
        int added = 0,
            removed = 0,
            max = 0;
        long sum = 0,
            cells = 0;
        var on0 = clean.Channel(PianoRoll.Onset);
        var on1 = adv.Channel(PianoRoll.Onset);
        var f0 = clean.Channel(PianoRoll.Frame);
        var f1 = adv.Channel(PianoRoll.Frame);
        for (int i = 0; i < on0.Length; i++)
        {
            if (on1[i] > on0[i])
                added++;
            else if (on1[i] < on0[i])
                removed++;
            if (f0[i] > 0 && f1[i] > 0)
            {
                int d = Math.Abs(f1[i] - f0[i]);
                sum += d;
                cells++;
                max = Math.Max(max, d);
            }
        }
        return new RollDiff(added, removed, sum, cells, max);
    }
}

/// <summary>Writes the first few original/adversarial pairs as MIDI (names are culture-independent).</summary>
sealed class ExampleSaver(string dir, string stem, int count)
{
    int _saved;

    public void Save(PianoRoll original, PianoRoll adversarial)
    {
        int k;
        lock (this)
        {
            if (_saved >= count)
                return;
            k = _saved++;
        }
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{stem}-{k}");
        PianoRollDecoder.WriteMidi(original, path + "-original.mid");
        PianoRollDecoder.WriteMidi(adversarial, path + "-adversarial.mid");
    }
}

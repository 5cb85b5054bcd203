using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>Robustness of a model to one attack at one strength, over a dataset's segments.</summary>
public sealed record AttackResult(string Attack, double Eps, int Segments,
    double CleanAccuracy, double SegmentRobustAccuracy, double PieceRobustAccuracy, double SuccessRate,
    double RealizedSegmentAccuracy, double RealizedPieceAccuracy, double RealizedSuccessRate,
    double NotesAdded, double NotesRemoved, double MeanAbsVelocityChange, int MaxAbsVelocityChange, double MeanL2,
    int[][] Confusion, double[] PerClassSuccess, double SecondsPerSegment);

/// <summary>What a model says about a dataset's clean segments, as tensors and realised as MIDI. It is the same for
/// every attack and ε of a sweep, so it is computed once per (model, dataset) and reused for as long as the model's
/// weights and batch-norm statistics are unchanged (checked by a fingerprint of its state).</summary>
public sealed record CleanReference(SegmentDataset Data, double Fingerprint, float[][] Probabilities, float[][] RealizedProbabilities)
{
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<nn.Module, CleanReference> Cache = new();

    public static CleanReference For(nn.Module<Tensor, Tensor> model, SegmentDataset data, Device? device = null)
    {
        double fingerprint = FingerprintOf(model);
        lock (Cache)
            if (Cache.TryGetValue(model, out var known) && ReferenceEquals(known.Data, data) && known.Fingerprint == fingerprint)
                return known;
        var computed = new CleanReference(data, fingerprint, Evaluator.Predict(model, data, 0, device).Probabilities,
            Evaluator.Predict(model, data, 0, device, transform: x => Realizer.Realize(x).Batch).Probabilities);
        lock (Cache) Cache.AddOrUpdate(model, computed);
        return computed;
    }

    /// <summary>Σ v and Σ v² over every parameter and buffer: any training step changes it.</summary>
    static double FingerprintOf(nn.Module model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double sum = 0;
        foreach (var (_, t) in model.state_dict())
        {
            var d = t.to_type(ScalarType.Float64);
            sum += d.sum().item<double>() + 0.5 * d.square().sum().item<double>();
        }
        return sum;
    }
}

/// <summary>
/// Attacks every segment of a dataset in batches (GPU when the model is there), classifies the adversarial tensor and
/// its realisation as MIDI, and aggregates: robust accuracy (segment; piece by majority vote), success rate on
/// initially-correct segments, perturbation size in notes and velocities, confusion after attack.
/// </summary>
public static class AttackEvaluator
{
    public static AttackResult Run(nn.Module<Tensor, Tensor> model, SegmentDataset data, IReadOnlyList<string> classes, Attack attack, double eps,
        int batchSize = 16, Device? device = null, string? saveMidiDir = null, int saveExamples = 3, Action<int>? progress = null)
    {
        // Targeted attacks aim every segment at the next class ((label + 1) mod classes); success = prediction leaves the truth.
        model.eval();
        device ??= CPU;
        int n = data.Count, k = classes.Count;
        var reference = CleanReference.For(model, data, device);
        var clean = reference.Probabilities; var realClean = reference.RealizedProbabilities;
        var adv = new float[n][]; var real = new float[n][];
        double added = 0, removed = 0, absDv = 0, l2 = 0; long dvCells = 0; int maxDv = 0;
        int saved = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (x, y, idx) in data.Batches(batchSize, Augmentation.Eval, device: device))
        {
            using var ownX = x; using var ownY = y; // the batch is created outside this step's scope
            using var scope = NewDisposeScope();
            using var target = attack.Targeted ? (y + 1).remainder(k) : y.alias();
            var xa = attack.Perturb(model, x, target);
            var (xr, rolls) = Realizer.Realize(xa, reference: x);
            var cleanRolls = Realizer.Realize(x).Rolls; // for the perturbation size; its predictions are in the reference
            Tensor P(Tensor t) { using var _ = no_grad(); return nn.functional.softmax(model.forward(t), 1).cpu(); }
            Store(P(xa), idx, adv, k); Store(P(xr), idx, real, k);
            l2 += ((xa - x) / Attack.UnitScale(x)).flatten(1).norm(1).sum().item<float>();
            for (int i = 0; i < idx.Length; i++)
            {
                var a = rolls[i]; var o = cleanRolls[i];
                var (ad, rm, dv, cells, mx) = Diff(o, a);
                added += ad; removed += rm; absDv += dv; dvCells += cells; maxDv = Math.Max(maxDv, mx);
                if (saveMidiDir != null && saved < saveExamples)
                {
                    Directory.CreateDirectory(saveMidiDir);
                    string stem = Path.Combine(saveMidiDir, $"{attack.Name}-eps{eps:0.###}-{saved}");
                    PianoRollDecoder.WriteMidi(o, stem + "-original.mid");
                    PianoRollDecoder.WriteMidi(a, stem + "-adversarial.mid");
                    saved++;
                }
            }
            progress?.Invoke(idx.Length);
        }
        double seconds = sw.Elapsed.TotalSeconds;
        int Pred(float[] p) { int b = 0; for (int c = 1; c < p.Length; c++) if (p[c] > p[b]) b = c; return b; }
        int Truth(int s) => data.Pieces[data.Segments[s].Piece].Label;
        double Acc(float[][] p) => Enumerable.Range(0, n).Count(s => Pred(p[s]) == Truth(s)) / (double)Math.Max(1, n);
        double PieceAcc(float[][] p) => Evaluator.Score(new SegmentPredictions(data, p), classes).Piece.Accuracy;
        double Success(float[][] before, float[][] after)
        {
            var correct = Enumerable.Range(0, n).Where(s => Pred(before[s]) == Truth(s)).ToList();
            return correct.Count == 0 ? 0 : correct.Count(s => Pred(after[s]) != Truth(s)) / (double)correct.Count;
        }
        var confusion = new int[k][];
        for (int i = 0; i < k; i++) confusion[i] = new int[k];
        for (int s = 0; s < n; s++) confusion[Truth(s)][Pred(adv[s])]++;
        var perClass = Enumerable.Range(0, k).Select(c =>
        {
            var correct = Enumerable.Range(0, n).Where(s => Truth(s) == c && Pred(clean[s]) == c).ToList();
            return correct.Count == 0 ? double.NaN : correct.Count(s => Pred(adv[s]) != c) / (double)correct.Count;
        }).ToArray();
        return new AttackResult(attack.Name, eps, n, Acc(clean), Acc(adv), PieceAcc(adv), Success(clean, adv),
            Acc(real), PieceAcc(real), Success(realClean, real),
            added / Math.Max(1, n), removed / Math.Max(1, n), dvCells == 0 ? 0 : absDv / dvCells, maxDv, l2 / Math.Max(1, n),
            confusion, perClass, seconds / Math.Max(1, n));
    }

    static void Store(Tensor probs, int[] idx, float[][] into, int k)
    {
        var flat = probs.data<float>().ToArray();
        for (int i = 0; i < idx.Length; i++) into[idx[i]] = flat.AsSpan(i * k, k).ToArray();
    }

    /// <summary>Notes added/removed (onsets), and |Δvelocity| over cells sounding in both rolls.</summary>
    static (int Added, int Removed, long AbsDv, long Cells, int MaxDv) Diff(PianoRoll clean, PianoRoll adv)
    {
        int added = 0, removed = 0, max = 0; long sum = 0, cells = 0;
        var on0 = clean.Channel(PianoRoll.Onset); var on1 = adv.Channel(PianoRoll.Onset);
        var f0 = clean.Channel(PianoRoll.Frame); var f1 = adv.Channel(PianoRoll.Frame);
        for (int i = 0; i < on0.Length; i++)
        {
            if (on1[i] > on0[i]) added++;
            else if (on1[i] < on0[i]) removed++;
            if (f0[i] > 0 && f1[i] > 0) { int d = Math.Abs(f1[i] - f0[i]); sum += d; cells++; max = Math.Max(max, d); }
        }
        return (added, removed, sum, cells, max);
    }
}

using System.Globalization;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>What a model says about a dataset's clean segments, as tensors and realised as MIDI. It is the same for
/// every attack and ε of a sweep, so it is computed once per (model, dataset) and reused for as long as the model's
/// weights and batch-norm statistics are unchanged (checked by a fingerprint of its state).</summary>
public sealed record CleanReference(
    SegmentDataset Data,
    double Fingerprint,
    float[][] Probabilities,
    float[][] RealizedProbabilities
)
{
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<nn.Module, CleanReference> Cache = new();

    readonly PackedRoll?[] _realized = new PackedRoll?[Data.Count];

    /// <summary>The clean segments <paramref name="index"/> (batch <paramref name="x"/>) realised as MIDI, for the
    /// perturbation size and the saved examples. Realised once and kept packed (about 10 KB a segment): every attack
    /// and budget of a sweep needs the same ones.</summary>
    public PianoRoll[] RealizedRolls(Tensor x, int[] index)
    {
        if (index.All(i => _realized[i] != null))
            return index.Select(i => _realized[i]!.Value.ToRoll()).ToArray();
        var rolls = Realizer.Realize(x).Rolls;
        for (int k = 0; k < index.Length; k++)
            _realized[index[k]] = PackedRoll.Of(rolls[k]);
        return rolls;
    }

    public static CleanReference For(nn.Module<Tensor, Tensor> model, SegmentDataset data)
    {
        double fingerprint = FingerprintOf(model);
        lock (Cache)
            if (
                Cache.TryGetValue(model, out var known)
                && ReferenceEquals(known.Data, data)
                && known.Fingerprint == fingerprint
            )
                return known;
        var computed = new CleanReference(
            data,
            fingerprint,
            Evaluator.Predict(model, data).Probabilities,
            Evaluator.Predict(model, data, transform: x => Realizer.Realize(x).Batch).Probabilities
        );
        lock (Cache)
            Cache.AddOrUpdate(model, computed);
        return computed;
    }

    /// <summary>Σ v and Σ v² over every parameter and buffer: any training step changes it.</summary>
    static double FingerprintOf(nn.Module model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Summed on the model's device and read once: one host synchronisation, not two per tensor.
        var sum = zeros(1, ScalarType.Float64, ModelDevice.Of(model));
        foreach (var (_, t) in model.state_dict())
        {
            var d = t.to_type(ScalarType.Float64);
            sum = sum + d.sum() + d.square().sum() * 0.5;
        }
        return sum.item<double>();
    }
}

/// <summary>A model other than the evaluated one that a transfer attack is crafted on, and the name reports give it
/// (its run folder). It must take the same input and know the same classes in the same order.</summary>
public sealed record TransferSource(nn.Module<Tensor, Tensor> Model, string Name)
{
    /// <summary>A source for the model of <paramref name="target"/>; refused (before any work) when it knows other
    /// classes, or the same in another order, or reads another number of channels: its examples would aim at the
    /// wrong class indices.</summary>
    public static TransferSource For(
        nn.Module<Tensor, Tensor> model,
        CheckpointMeta source,
        CheckpointMeta target,
        string name
    )
    {
        if (!source.Classes.SequenceEqual(target.Classes))
            throw new TransferMismatchException(
                $"the source model {name} knows the classes {string.Join(", ", source.Classes)}, the attacked model "
                    + $"{string.Join(", ", target.Classes)}: a transfer attack needs the same classes in the same "
                    + "order (train the source on the same corpus and --classes)"
            );
        if (source.Settings.InputChannels != target.Settings.InputChannels)
            throw new TransferMismatchException(
                $"the source model {name} reads {source.Settings.InputChannels} input channels, the attacked model "
                    + $"{target.Settings.InputChannels}"
            );
        return new TransferSource(model, name);
    }
}

/// <summary>A transfer source that cannot attack the target model (other classes or input).</summary>
public sealed class TransferMismatchException(string message) : Exception(message);

/// <summary>
/// Attacks every segment of a dataset in batches (GPU when the model is there), classifies the adversarial tensor and
/// its realisation as MIDI, and aggregates (<see cref="AttackScoring"/>). A zero budget is not attacked: its figures
/// are the clean ones, which are known already.
/// </summary>
public static class AttackEvaluator
{
    /// <summary>Segments attacked at a time: 16 on the CPU; 64 on a GPU, whose throughput keeps growing with the
    /// batch (PGD-10 on ResNet-50 needs a few GB there). Every segment draws from its own random stream, so this
    /// changes the speed, never the figures.</summary>
    public static int BatchFor(Device device) => device.type == DeviceType.CUDA ? 64 : 16;

    public static AttackResult Run(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        Attack attack,
        int batchSize = 0,
        string? saveMidiDir = null,
        int saveExamples = 3,
        Action<int>? progress = null,
        TransferSource? source = null
    )
    {
        model.eval();
        var device = ModelDevice.Of(model);
        var reference = CleanReference.For(model, data);
        var outcome = new AttackOutcome(data.Count);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (attack.IsNoOp)
        {
            outcome.UseClean(reference);
            progress?.Invoke(data.Count);
        }
        else
        {
            var saver =
                saveMidiDir == null
                    ? null
                    : new ExampleSaver(
                        saveMidiDir,
                        $"{attack.Name}-{attack.Budget?.ToString("0.###", CultureInfo.InvariantCulture) ?? "min"}",
                        saveExamples
                    );
            if (batchSize <= 0)
                batchSize = BatchFor(device);
            foreach (var batch in data.Batches(batchSize, Augmentation.Eval, device: device))
            {
                using var owned = batch;
                using var scope = NewDisposeScope();
                // Each segment's random draws (PGD's start, random notes) come from its own stream: the same in every
                // run and for every batch size, different per segment.
                using var random = RandomStream.PerSegment(attack.Seed, "evaluation", batch.Index);
                AttackBatch(model, source?.Model ?? model, attack, batch, reference, outcome, saver, random);
                progress?.Invoke(batch.Index.Length);
            }
        }
        return AttackScoring.Score(attack, data, classes, reference, outcome, sw.Elapsed.TotalSeconds) with
        {
            SourceModel = source?.Name,
        };
    }

    static void AttackBatch(
        nn.Module<Tensor, Tensor> model,
        nn.Module<Tensor, Tensor> crafter,
        Attack attack,
        SegmentBatch batch,
        CleanReference reference,
        AttackOutcome outcome,
        ExampleSaver? saver,
        RandomStream random
    )
    {
        var (x, y, idx) = batch;
        var xa = attack.Perturb(crafter, x, y, random); // crafted on the source model in a transfer attack
        var (xr, rolls) = Realizer.Realize(xa, reference: x);
        var cleanRolls = reference.RealizedRolls(x, idx); // for the perturbation size; predictions are in the reference
        Tensor P(Tensor t)
        {
            using var _ = no_grad();
            return nn.functional.softmax(model.forward(t), 1).cpu();
        }
        Store(P(xa), idx, outcome.Adversarial);
        Store(P(xr), idx, outcome.Realized);
        var l2 = ((xa - x) / Attack.UnitScale(x)).flatten(1).norm(1).cpu().data<float>().ToArray();
        for (int i = 0; i < idx.Length; i++)
        {
            outcome.L2[idx[i]] = l2[i];
            outcome.Diffs[idx[i]] = RollDiff.Of(cleanRolls[i], rolls[i]);
            saver?.Save(cleanRolls[i], rolls[i]);
        }
    }

    static void Store(Tensor probs, int[] idx, float[][] into)
    {
        int k = (int)probs.shape[1];
        var flat = probs.data<float>().ToArray();
        for (int i = 0; i < idx.Length; i++)
            into[idx[i]] = flat.AsSpan(i * k, k).ToArray();
    }
}

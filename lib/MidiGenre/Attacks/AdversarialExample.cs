using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>One test segment under an attack, to show and to hear: the clean roll and the adversarial one as realised
/// in MIDI (what a listener hears), with the model's prediction and its probability on each, and whether the attack
/// fooled it — the realised example's prediction left the true class the clean one had.</summary>
public sealed record AdversarialExample(
    PianoRoll Original,
    PianoRoll Adversarial,
    string Truth,
    string Before,
    double BeforeProbability,
    string After,
    double AfterProbability
)
{
    public bool Fooled => Before == Truth && After != Truth;

    /// <summary>The velocity channel as the attack left it, before realisation (frames × 128, time-major, in velocity
    /// units, unrounded): what the tensor attack asked for, beside what MIDI could carry
    /// (<see cref="Adversarial"/>).</summary>
    public float[]? TensorVelocities { get; init; }

    /// <summary>"Alberti p=0.91 → Chorale p=0.55 (as MIDI), fooled: yes" for titles.</summary>
    public string Summary =>
        $"{Before} p={BeforeProbability:0.00} → {After} p={AfterProbability:0.00} (as MIDI), "
        + $"fooled: {(Fooled ? "yes" : "no")}";

    /// <summary>The first test segment the realised attack fools among those the model gets right, looking through at
    /// most <paramref name="batches"/> batches of 16; if none is fooled there, the first one it gets right (its
    /// <see cref="Fooled"/> says no); null when it gets none right.</summary>
    public static AdversarialExample? Find(
        nn.Module<Tensor, Tensor> model,
        SegmentDataset data,
        IReadOnlyList<string> classes,
        Attack attack,
        int batches = 8
    )
    {
        model.eval();
        AdversarialExample? fallback = null;
        int number = 0;
        foreach (var batch in data.Batches(16, Augmentation.Eval, device: ModelDevice.Of(model)).Take(batches))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            using var random = RandomStream.Of(attack.Seed, "example", number++);
            var (x, y, _) = batch;
            var (_, clean) = Realizer.Realize(x);
            var perturbed = attack.Perturb(model, x, y, random);
            var tensorVelocities = perturbed
                .select(1, perturbed.shape[1] - 1)
                .contiguous()
                .cpu()
                .data<float>()
                .ToArray();
            var (realized, adversarial) = Realizer.Realize(perturbed, reference: x);
            float[] Probabilities(Tensor t)
            {
                using var _ = no_grad();
                return nn.functional.softmax(model.forward(t), 1).cpu().data<float>().ToArray();
            }
            var (before, after) = (Probabilities(x), Probabilities(realized));
            var truth = y.cpu().data<long>().ToArray();
            int k = classes.Count,
                per = (int)(x.shape[2] * x.shape[3]);
            for (int i = 0; i < truth.Length; i++)
            {
                int b = SegmentPredictions.ArgMax(before.AsSpan(i * k, k)),
                    a = SegmentPredictions.ArgMax(after.AsSpan(i * k, k));
                if (b != truth[i])
                    continue;
                var example = new AdversarialExample(
                    clean[i],
                    adversarial[i],
                    classes[(int)truth[i]],
                    classes[b],
                    before[i * k + b],
                    classes[a],
                    after[i * k + a]
                )
                {
                    TensorVelocities = tensorVelocities.AsSpan(i * per, per).ToArray(),
                };
                if (example.Fooled)
                    return example;
                fallback ??= example;
            }
        }
        return fallback;
    }
}

namespace MidiGenre.Experiments;

/// <summary>The stamps of the result files the steps write and read back (<see cref="ResultStamp"/>): a file made
/// for another seed, data, checkpoint or attack is never reused under this run's name.</summary>
public sealed partial class Study
{
    /// <summary>The corpus and a fingerprint of its classes and its three splits (piece ids in order).</summary>
    public string DataIdentity =>
        $"{Source.Name} "
        + ResultStamp.Fingerprint([
            .. Data.Classes,
            "train",
            .. Data.Train.Pieces.Select(p => p.Id),
            "validation",
            .. Data.Validation.Pieces.Select(p => p.Id),
            "test",
            .. TestSet.Pieces.Select(p => p.Id),
        ]);

    /// <summary>"best epoch 3 of 4, weights 1a2b3c4d5e6f" of a run's chosen checkpoint.</summary>
    public string WeightsOf(string runDir)
    {
        var c = ChoiceOf(runDir);
        return $"{c.Which} epoch {c.Epoch} of {c.Epochs}, weights "
            + ResultStamp.HashOf(Path.Combine(runDir, c.Which, "model.bin"));
    }

    ResultStamp StampFor(string weights, string work) => new(DataIdentity, Seed, weights, work);

    /// <summary>The stamp of the sweep on the base model.</summary>
    public ResultStamp SweepStamp => StampFor(WeightsOf(BaseDir), $"sweep {Spec.Sweep}");

    /// <summary>The stamp of the baselines (no weights: they are fitted on the training split).</summary>
    public ResultStamp BaselineStamp => StampFor("none (fitted on the training split)", "yardsticks");

    /// <summary>The stamp of the robustness comparison of the base and the retrained model.</summary>
    public ResultStamp RobustnessStamp =>
        StampFor(
            $"base {WeightsOf(BaseDir)}; retrained {WeightsOf(AdvDir)}",
            $"{string.Join(", ", ComparedAttacks)} at ε = {AdversarialEps} ({PgdSteps} steps); defense {Spec.Defense}"
        );
}

namespace MidiGenre.Training;

/// <summary>Everything that defines a training run; stored in every checkpoint.</summary>
public sealed record TrainSettings
{
    public string Profile { get; init; } = "custom";
    public string Arch { get; init; } = "resnet50";
    public int InputChannels { get; init; } = 2;
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 40;
    public double LearningRate { get; init; } = 0.01;
    public string Optimizer { get; init; } = "sgd"; // sgd | adam | adamw
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    public bool Nesterov { get; init; }
    public string Schedule { get; init; } = "cosine"; // cosine | constant
    public int SegmentsPerPiece { get; init; } = 90;
    public int MaxTranspose { get; init; }
    public bool ZeroInitResidual { get; init; }
    public int Seed { get; init; }
    public int? Threads { get; init; }

    /// <summary>The settings of the profile named <paramref name="profile"/> (a <see
    /// cref="Common.ProfileException"/> if there is none).</summary>
    public static TrainSettings ForProfile(string profile) => For(Common.Profile.Parse(profile));

    /// <summary>The model and its training for <paramref name="profile"/>.</summary>
    public static TrainSettings For(Common.Profile profile) =>
        profile.Name switch
        {
            // smoke: batch 4 so the few epochs still give ~170 batch-norm updates; rolls are sparse, the first layers'
            // activation variance is ~0.002, and with fewer updates the running variance (initialised to 1) has not
            // forgotten its start.
            "smoke" => new()
            {
                Profile = "smoke",
                Arch = "convnet",
                Epochs = 3,
                BatchSize = 4,
                LearningRate = 1e-3,
                Optimizer = "adamw",
                WeightDecay = 1e-4,
                SegmentsPerPiece = 8,
            },
            "cpu" => new()
            {
                Profile = "cpu",
                Arch = "convnet",
                Epochs = 8,
                BatchSize = 16,
                LearningRate = 2e-3,
                Optimizer = "adamw",
                WeightDecay = 1e-4,
                // 4 windows of a 30–50-s piece already cover it (windows overlap); crops move within them.
                SegmentsPerPiece = 4,
                MaxTranspose = 2,
            },
            "paper" => new()
            {
                Profile = "paper",
                Arch = "resnet50",
                Epochs = 100,
                BatchSize = 40,
                LearningRate = 0.01,
                Optimizer = "sgd",
                Schedule = "cosine",
                SegmentsPerPiece = 90,
            },
            // gpu: the paper's model, data and optimiser for a teaching run on one GPU, in under an hour with the
            // adversarial retraining and every attack (the paper's 100 epochs stay `paper`).
            "gpu" => For(Common.Profile.Paper) with { Profile = "gpu", Epochs = 15 },
            _ => throw new ProfileException($"profile '{profile}' has no training settings"),
        };
}

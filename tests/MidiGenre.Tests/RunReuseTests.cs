using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Training;

namespace MidiGenre.Tests;

/// <summary>A finished run is reused only when it is the run asked for; an unknown defense is refused before any
/// work.</summary>
[Collection("torch")]
public class RunReuseTests(SmokeData smoke)
{
    [Fact]
    public void A_finished_run_trained_with_another_method_or_eps_is_refused_not_relabelled()
    {
        string outDir = Path.Combine(smoke.Root, "reuse");
        Study Make(string method, double eps) =>
            new("smoke", outDir, new DataSource(smoke.Root, null, SmallSynthetic: true), seed: 1)
            {
                Settings = TrainSettings.ForProfile("smoke") with { Epochs = 1, SegmentsPerPiece = 4, Seed = 1 },
                AdversarialMethod = method,
                AdversarialEps = eps,
            };
        var first = Make("pgd", 0.05);
        first.TrainAdversarial();
        var again = Make("pgd", 0.05);
        var logged = new List<string>();
        again.Log = logged.Add;
        again.TrainAdversarial(); // the same run: reused
        Assert.Contains(logged, l => l.StartsWith("reusing the finished run", StringComparison.Ordinal));
        var otherMethod = Assert.Throws<ResumeMismatchException>(() => Make("fast", 0.05).TrainAdversarial());
        Assert.Contains(otherMethod.Changes, c => c.StartsWith("defense:", StringComparison.Ordinal));
        Assert.Contains("fast", otherMethod.Message);
        var otherEps = Assert.Throws<ResumeMismatchException>(() => Make("pgd", 0.1).TrainAdversarial());
        Assert.Contains(otherEps.Changes, c => c.Contains("0.1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_adversarial_training_method_is_refused_with_the_known_ones()
    {
        var e = Assert.Throws<DefenseException>(() => new AdversarialTraining(Method: "trades"));
        Assert.Contains("pgd, fast, free", e.Message);
        Assert.Throws<DefenseException>(() => AdversarialTraining.CheckMethod("PGD"));
        Assert.Equal("free", new AdversarialTraining(Method: "free").Method);
    }
}

using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

/// <summary>What makes the GPU path fast, checked on the CPU: a forward that never converts a buffer, attack loops
/// that build no tensor from host arrays, and attack figures that do not depend on how many segments go in a
/// batch.</summary>
[Collection("torch")]
public class GpuPathTests(SmokeData smoke)
{
    [Theory]
    [InlineData("convnet")]
    [InlineData("resnet18")]
    public void Every_buffer_the_forward_uses_follows_the_model_when_it_moves(string arch)
    {
        // TorchSharp's Module.to skips non-persistent buffers; a forward that converted its input scale each call
        // copied it from host memory, one GPU synchronisation per forward.
        using var model = ModelFactory.Create(arch, 2, 3);
        model.to(ScalarType.Float64);
        var scales = model.modules().OfType<InputScaling>().ToList();
        Assert.Single(scales);
        Assert.Equal(ScalarType.Float64, scales[0].Scale.dtype);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        model.eval();
        using var x = ones(2, 2, 400, 128, ScalarType.Float64) * 64;
        using var y = model.forward(x);
        Assert.Equal(ScalarType.Float64, y.dtype);
        // The values are the scaling's: onsets as they are, velocities over 127.
        Assert.Equal([1.0, 1 / 127f], scales[0].Scale.flatten().data<double>().ToArray());
        // Moving it back (and to where it is) leaves one scale, of the model's dtype, still registered.
        model.to(ScalarType.Float32).to(CPU);
        Assert.Equal(ScalarType.Float32, scales[0].Scale.dtype);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("scale")); // state dicts stay torchvision's
    }

    [Fact]
    public void Attack_and_evaluation_loops_build_no_tensor_from_host_arrays()
    {
        // A tensor made from a float[] on a CUDA device is a blocking copy from pageable memory, on every call.
        string root = Notebooks.NotebookRunner.FindRepositoryRoot();
        var offenders = new[] { "Attacks", "Defenses", "Evaluation", "Training", "Models" }
            .SelectMany(d =>
                Directory.EnumerateFiles(Path.Combine(root, "lib", "MidiGenre", d), "*.cs", SearchOption.AllDirectories)
            )
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Contains("tensor(new ") || x.line.Contains("scale.to("))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, "build constants on the device: " + string.Join(", ", offenders));
        using var unit = InputScaling.RawUnit(2, CPU);
        Assert.Equal([1f, 127f], unit.flatten().data<float>().ToArray());
        Assert.Equal([1L, 2, 1, 1], unit.shape);
    }

    public static TheoryData<string> RegisteredAttacks => new(AttackFactory.Names);

    [Theory]
    [MemberData(nameof(RegisteredAttacks))]
    public void The_batch_size_changes_no_attack_figure(string name)
    {
        double budget = AttackFactory.ExampleBudget(name);
        var data = smoke.Data.Test;
        AttackResult Run(int batch) =>
            AttackEvaluator.Run(smoke.Trained, data, smoke.Data.Classes, AttackFactory.Create(name, budget, 3), batch);
        var (small, large) = (Run(3), Run(16));
        Assert.Equal(small.SuccessRate, large.SuccessRate);
        Assert.Equal(small.SegmentRobustAccuracy, large.SegmentRobustAccuracy);
        Assert.Equal(small.RealizedSuccessRate, large.RealizedSuccessRate);
        // Sizes agree to float32 rounding (a convolution sums in another order over another batch).
        Assert.True(Math.Abs(small.Size.MeanL2 - large.Size.MeanL2) <= 1e-5 * Math.Max(1, small.Size.MeanL2));
        Assert.Equal(small.Confusion, large.Confusion);
    }

    [Fact]
    public void Targeted_attacks_are_those_that_declare_a_targeted_mode_and_help_lists_them()
    {
        // Opt-in: a new attack that ignores Targeted is never reported as targeted.
        foreach (var name in AttackFactory.Names)
        {
            var attack = AttackFactory.Create(name, AttackFactory.ExampleBudget(name));
            Assert.Equal(attack.HasTargetedMode, AttackFactory.TargetedNames.Contains(name));
            if (!attack.HasTargetedMode)
                Assert.Throws<AttackBudgetException>(() =>
                    AttackFactory.Create(name, AttackFactory.ExampleBudget(name), targeted: true)
                );
        }
        Assert.DoesNotContain("deepfool", AttackFactory.TargetedNames);
        Assert.Contains("pgd-midi", AttackFactory.TargetedNames);
        var (_, help, _) = CliTests.Run("attack", "--help");
        string flat = System.Text.RegularExpressions.Regex.Replace(help, @"\s+", " "); // help wraps its lines
        Assert.Contains(string.Join(", ", AttackFactory.TargetedNames), flat);
    }

    [Fact]
    public void A_segment_draws_the_same_numbers_whatever_batch_it_is_in()
    {
        using var all = RandomStream.PerSegment(5, "test", [10, 11, 12, 13]);
        using var pair = RandomStream.PerSegment(5, "test", [12, 13]);
        using var a = all.Uniform([4, 2, 3], CPU);
        using var b = pair.Uniform([2, 2, 3], CPU);
        Assert.True(a[2..].allclose(b, 0, 0));
        // A subset shares the generators: APGD's restarts on what is left standing continue each segment's stream.
        using var rest = all.Select([1L, 3]).Normal([2, 5], CPU);
        using var again = RandomStream.PerSegment(5, "test", [11, 13]);
        using var skipped = again.Uniform([2, 2, 3], CPU); // what `all` drew for them first
        using var next = again.Normal([2, 5], CPU);
        Assert.True(rest.allclose(next, 0, 0));
        Assert.Equal(all.Managed(3).Next(), pair.Managed(1).Next());
        Assert.Throws<ArgumentException>(() => all.Uniform([3, 2], CPU));
    }
}

/// <summary>The first command on a GPU: a profile that fits an hour there, said before it starts.</summary>
public class GpuProfileTests
{
    [Fact]
    public void The_gpu_profile_is_the_papers_model_and_data_for_fewer_epochs()
    {
        var (gpu, paper) = (Training.TrainSettings.ForProfile("gpu"), Training.TrainSettings.ForProfile("paper"));
        Assert.Equal(paper with { Profile = "gpu", Epochs = gpu.Epochs }, gpu);
        Assert.True(gpu.Epochs < paper.Epochs);
        Assert.Equal(
            (Common.Profile.Gpu, Common.Profile.Cpu),
            (Common.Profile.ForMachine(true), Common.Profile.ForMachine(false))
        );
        Assert.Contains("gpu", Common.Profile.Names);
        var spec = Experiments.RunSpec.FromEnvironment("/tmp", n => n == "MIDIGENRE_PROFILE" ? "gpu" : null);
        Assert.Equal(10, spec.Defense.Steps); // PGD-10, as on paper
    }

    [Fact]
    public void A_profile_is_one_type_every_command_and_notebook_resolves_the_same_way()
    {
        // Named beats the variable, the variable beats the machine's rule; an unknown name lists the profiles.
        Func<string, string?> env = n => n == Common.Profile.Variable ? "smoke" : null;
        Assert.Same(Common.Profile.Paper, Common.Profile.Resolve("paper", env));
        Assert.Same(Common.Profile.Smoke, Common.Profile.Resolve(null, env));
        Assert.Same(Common.Profile.Smoke, Experiments.RunSpec.FromEnvironment("/tmp", env).Profile);
        var unknown = Assert.Throws<Common.ProfileException>(() => Common.Profile.Parse("laptop"));
        Assert.All(Common.Profile.Names, n => Assert.Contains(n, unknown.Message));
        // What a profile decides beyond training comes from it: PGD steps of sweeps and defenses, the corpus.
        foreach (var p in Common.Profile.All)
        {
            var spec = new Experiments.RunSpec(p.Name, "/tmp/x", Data.DataSource.ForProfile(p, "/tmp"));
            Assert.Equal((p.PgdSteps, p.PgdSteps), (spec.Sweep.Steps, spec.Defense.Steps));
            Assert.Equal(p.SmallCorpus, spec.Source.SmallSynthetic);
            Assert.Equal(p.Name, Training.TrainSettings.For(p).Profile);
        }
        // Every command's --profile says the same, and none hard-codes its own default.
        var help = new[] { "train", "advtrain", "baseline", "pipeline", "prepare", "notebooks" }
            .Select(c => CliTests.Run(c, "--help").Out)
            .ToList();
        Assert.All(help, h => Assert.Contains(Common.Profile.DefaultRule, h));
        Assert.All(help, h => Assert.Contains(Common.Profile.Cpu.Summary, h));
    }

    [Fact]
    public void At_the_speeds_measured_on_an_H200_the_gpu_profile_fits_an_hour_and_the_papers_does_not()
    {
        // FACTS.md, H200: `train --profile paper` 963–1 192 segments/s, PGD-10 on ResNet-50 277 segments/s.
        string dir = Directory.CreateTempSubdirectory("midigenre-estimate").FullName;
        try
        {
            Experiments.RunEstimate For(string profile) =>
                Experiments.RunEstimate.For(
                    new Experiments.RunSpec(
                        profile,
                        dir,
                        Data.DataSource.ForProfile(Common.Profile.Parse(profile), dir)
                    ),
                    963,
                    277
                );
            var (gpu, paper) = (For("gpu"), For("paper"));
            Assert.Equal(paper.TrainSegments, gpu.TrainSegments); // the same data: 90 windows per performance
            Assert.True(gpu.TrainSegments > 1000, $"{gpu.TrainSegments} training segments");
            Assert.True(gpu.Seconds < 3600, gpu.ToString());
            Assert.True(paper.Seconds > 3600, paper.ToString());
            // Retraining costs more than clean training: PGD-10 on half of every batch.
            Assert.True(gpu.DefenseSeconds > 2 * gpu.BaseSeconds, gpu.ToString());
            Assert.Contains("min of model work", gpu.ToString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

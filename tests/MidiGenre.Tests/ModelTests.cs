using MidiGenre.Models;
using MidiGenre.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

[Collection("torch")] // torch's global generator and thread pool are shared: no torch test runs beside another
public class ModelTests
{
    [Fact]
    public void TorchSharp_runs_here_forward_and_backward()
    {
        TorchNative.Ensure();
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(2, 4, 3);
        var x = randn(2, 2, 16, 16, requires_grad: true);
        var y = conv.forward(x).square().sum();
        y.backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
        Assert.DoesNotContain("failed", TorchNative.Report);
    }

    [Fact]
    public void Allocator_settings_reach_the_native_environment_libtorch_reads()
    {
        TorchNative.Ensure();
        if (Environment.GetEnvironmentVariable("MIDIGENRE_ALLOCATOR") == "default")
            return; // the user opted out
        // libtorch reads THP_MEM_ALLOC_ENABLE with getenv: .NET's environment copy alone would not reach it.
        string expected = Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") ?? "1";
        Assert.Equal(expected, CpuMemoryTuning.NativeEnvironmentVariable("THP_MEM_ALLOC_ENABLE"));
        Assert.StartsWith("allocator:", CpuMemoryTuning.Summary);
        Assert.Contains(CpuMemoryTuning.Summary, TorchNative.Report);
    }

    [Fact]
    public void Elf_patch_marks_only_the_glibcxx_requirement_weak()
    {
        string? dir = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"),
            AppContext.BaseDirectory,
        }.FirstOrDefault(d => File.Exists(Path.Combine(d, "libLibTorchSharp.so")));
        Assert.NotNull(dir);
        string nuget = Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            ".nuget",
            "packages",
            "torchsharp",
            "0.107.0",
            "runtimes",
            "linux-x64",
            "native",
            "libLibTorchSharp.so"
        );
        var original = File.ReadAllBytes(File.Exists(nuget) ? nuget : Path.Combine(dir!, "libLibTorchSharp.so"));
        var patched = (byte[])original.Clone();
        int changed = ElfVersionPatch.MarkVersionWeak(patched, TorchNative.RequiredGlibcxx);
        Assert.False(ElfVersionPatch.RequiresVersion(patched, TorchNative.RequiredGlibcxx));
        int differing = Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]);
        Assert.True(differing <= changed, $"{differing} bytes differ for {changed} entries");
        Assert.Equal(0, ElfVersionPatch.MarkVersionWeak(patched, TorchNative.RequiredGlibcxx)); // idempotent
        // Read the flag with binutils, not with the code under test.
        Assert.Equal("none", ReadelfFlags(original, TorchNative.RequiredGlibcxx));
        Assert.Equal("WEAK", ReadelfFlags(patched, TorchNative.RequiredGlibcxx));
    }

    /// <summary>The Flags field `readelf -V` prints for the version-need entry <paramref name="version"/>.</summary>
    static string ReadelfFlags(byte[] elf, string version)
    {
        string path = Path.Combine(Path.GetTempPath(), $"elf-{Guid.NewGuid():N}.so");
        File.WriteAllBytes(path, elf);
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("readelf", ["-V", "--wide", path])
            {
                RedirectStandardOutput = true,
            };
            using var p = System.Diagnostics.Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').Single(l => l.Contains($"Name: {version}"));
            return System.Text.RegularExpressions.Regex.Match(line, @"Flags: (\S+)").Groups[1].Value;
        }
        finally
        {
            File.Delete(path);
        }
    }

    // torchvision's published parameter counts (3 input channels, 1000 classes), adjusted for conv1's input channels
    // and the classifier's width: the same configuration as ours.
    [Theory]
    [InlineData("resnet18", 11_689_512L, 512)]
    [InlineData("resnet34", 21_797_672L, 512)]
    [InlineData("resnet50", 25_557_032L, 2048)]
    [InlineData("resnet101", 44_549_160L, 2048)]
    public void Parameter_counts_match_torchvision(string arch, long torchvision, int features)
    {
        const int inChannels = 2,
            classes = 13;
        long expected =
            torchvision - (3 - inChannels) * 64 * 7 * 7 - (features * 1000 + 1000) + (features * classes + classes);
        using var model = ModelFactory.Create(arch, inChannels, classes);
        Assert.Equal(expected, ModelFactory.ParameterCount(model));
    }

    [Fact]
    public void State_dict_names_match_torchvision()
    {
        using var model = ModelFactory.Create("resnet50", 2, 13);
        var names = model.state_dict().Keys.ToHashSet();
        foreach (
            var n in new[]
            {
                "conv1.weight",
                "bn1.running_mean",
                "layer1.0.downsample.0.weight",
                "layer4.2.conv3.weight",
                "layer4.2.bn3.weight",
                "fc.weight",
                "fc.bias",
            }
        )
            Assert.Contains(n, names);
        Assert.DoesNotContain(names, n => n.Contains("scale"));
    }

    [Fact]
    public void Input_scaling_maps_velocities_to_unit_range()
    {
        using var s = new InputScaling(2);
        var x = tensor(new float[] { 1, 127 }).reshape(1, 2, 1, 1);
        var y = s.forward(x).data<float>().ToArray();
        Assert.Equal(1f, y[0]);
        Assert.Equal(1f, y[1], 5);
    }

    [Fact]
    public void Input_scaling_follows_the_model_to_another_dtype()
    {
        // Module.to(dtype/device) must carry the scale too, or a converted model fails on its first layer (as on a
        // GPU).
        using var model = ModelFactory.Create("resnet18", 2, 5);
        model.to(ScalarType.BFloat16).eval(); // float64 would not tell: float32 × float64 promotes to float64
        using var _ = no_grad();
        var y = model.forward((rand(1, 2, 64, 32) * 127).to(ScalarType.BFloat16));
        Assert.Equal(ScalarType.BFloat16, y.dtype);
    }

    [Fact]
    public void Weights_round_trip_through_pytorch_and_safetensors_formats()
    {
        using var a = ModelFactory.Create("resnet18", 2, 5);
        using var b = ModelFactory.Create("resnet18", 2, 5);
        string dir = Directory.CreateTempSubdirectory().FullName;
        Training.Checkpoint.ExportPyTorch(a, Path.Combine(dir, "w.pt"));
        Training.Checkpoint.ImportPyTorch(b, Path.Combine(dir, "w.pt"));
        a.eval();
        b.eval();
        var x = rand(2, 2, 64, 32) * 127;
        Assert.True(a.forward(x).allclose(b.forward(x)));
        using var c = ModelFactory.Create("resnet18", 2, 5);
        Training.Checkpoint.ExportSafetensors(a, Path.Combine(dir, "w.safetensors"));
        Training.Checkpoint.ImportSafetensors(c, Path.Combine(dir, "w.safetensors"));
        c.eval();
        Assert.True(a.forward(x).allclose(c.forward(x)));
    }
}

[Collection("torch")]
public class StridedPointwiseConvTests
{
    [Fact]
    public void Equals_a_direct_strided_1x1_convolution()
    {
        var a = new StridedPointwiseConv(8, 16, 2);
        var direct = nn.Conv2d(8, 16, 1, stride: 2, bias: false);
        using (no_grad())
            direct.weight!.copy_(a.parameters().First());
        var x = randn(2, 8, 50, 17);
        Assert.True(a.forward(x).allclose(direct.forward(x), 1e-5, 1e-6));
    }

    [Fact]
    public void Resnet50_trains_a_step_on_2_channel_rolls()
    {
        // Regression: libtorch 2.10's direct strided 1×1 backward raised SIGFPE in layer3 on this CPU.
        using var scope = NewDisposeScope();
        var m = ModelFactory.Create("resnet50", 2, 13);
        var x = rand(2, 2, 400, 128) * 127;
        m.train();
        var loss = nn.functional.cross_entropy(m.forward(x), tensor(new long[] { 1, 2 }));
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()));
    }
}

public class ResNetFlopsTests
{
    [Theory]
    // torchvision's published figures at 224 × 224 × 3 with 1000 classes: 1.81 and 4.09 GMACs.
    [InlineData("resnet18", 3.63e9)]
    [InlineData("resnet50", 8.18e9)]
    public void Forward_flops_match_torchvisions_published_counts(string arch, double flops)
    {
        double counted = ResNetFlops.Forward(arch, 3, 1000, 224, 224)!.Value;
        Assert.InRange(counted / flops, 0.98, 1.02);
        Assert.Null(ResNetFlops.Forward("convnet", 2, 13));
    }
}

[Collection("torch")]
public class NetworkSummaryTests
{
    [Fact]
    public void Resnet50s_layers_shapes_and_receptive_field_are_torchvisions()
    {
        var model = ModelFactory.Create("resnet50", 2, 13);
        var rows = NetworkSummary.Of(model, 2);
        // torchvision's ResNet-50: 49 convolutions on the main path, 4 shortcuts, 427 × 427 receptive field; a
        // 400 × 128 segment leaves a 13 × 4 grid after the stride-32 stem and stages.
        Assert.Equal(49, rows.Count(r => r.Kind == "convolution"));
        Assert.Equal(4, rows.Count(r => r.Kind == "shortcut convolution"));
        var last = rows.Last(r => r.Kind == "convolution");
        Assert.Equal((427L, 427L), (last.ReceptiveTime, last.ReceptivePitch));
        Assert.Equal("2048 × 13 × 4", last.Output);
        Assert.Equal("7 × 7", rows[0].Kernel);
        // Every parameter outside batch norm is in some row: the rows and the norms add up to the model.
        long norms = model
            .named_modules()
            .Where(m => m.module is TorchSharp.Modules.BatchNorm2d)
            .Sum(m => m.module.parameters().Sum(p => p.numel()));
        Assert.Equal(ModelFactory.ParameterCount(model), rows.Sum(r => r.Parameters) + norms);
    }

    [Fact]
    public void The_convnets_field_grows_by_kernel_and_stride()
    {
        var rows = NetworkSummary.Of(ModelFactory.Create("convnet", 2, 6), 2);
        // conv 5×5 stride 2: 5; pool 2 (jump 2): 7; conv 3 (jump 4): 15; pool: 19; conv (jump 8): 35; … 91.
        Assert.Equal(
            [5L, 7, 15, 19, 35, 43, 75, 91],
            rows.Where(r => r.Kind != "fully connected" && r.Kind != "global average pooling")
                .Select(r => r.ReceptiveTime)
        );
        Assert.Equal("6", rows[^1].Output);
    }
}

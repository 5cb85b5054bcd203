using MidiGenre.Native;

namespace MidiGenre.Tests;

/// <summary>What can be checked on the CPU of the GPU route: `doctor --smoke`, the check of a libtorch named by
/// MIDIGENRE_LIBTORCH, cuDNN's determinism flags, and that the device comes from the model.</summary>
public class GpuReadinessTests
{
    static string BundledNatives => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    static (int Code, string Out, string Err) RunWith(string libTorch, params string[] args) =>
        CliTests.RunWith(new() { [LibTorchLocation.Variable] = libTorch }, args);

    [Fact]
    public void Doctor_smoke_runs_every_kind_of_work_on_every_device()
    {
        var (code, stdout, stderr) = CliTests.Run("doctor", "--smoke");
        Assert.True(code == 0, stdout + stderr);
        // The steps come from the registries: every attack, each targeted one, and every defense's training epoch.
        var steps = Experiments.Doctor.StepNames;
        foreach (var attack in Attacks.AttackFactory.Names)
            Assert.Contains($"attack {attack}", steps);
        foreach (var attack in Attacks.AttackFactory.TargetedNames)
            Assert.Contains($"attack {attack} (targeted)", steps);
        foreach (var method in Defenses.DefenseSpec.Methods)
            Assert.Contains($"train epoch ({method})", steps);
        Assert.Contains("train step (resnet50)", steps);
        Assert.Contains("train: resume a checkpoint", steps);
        foreach (var step in steps)
            Assert.Matches($@"(?m)^ok\s+cpu\s+{System.Text.RegularExpressions.Regex.Escape(step)}\s", stdout);
        Assert.Contains("libtorch", stdout);
        Assert.Contains($"all {steps.Count} steps passed", stdout);
    }

    [Fact]
    public void A_libtorch_that_lacks_functions_or_sits_beside_a_bundled_one_is_refused_in_one_line()
    {
        // A "libtorch" that is really only c10: most functions TorchSharp calls are missing.
        string root = Directory.CreateTempSubdirectory("fake-torch").FullName;
        string lib = Path.Combine(root, "lib");
        Directory.CreateDirectory(lib);
        File.Copy(Path.Combine(BundledNatives, "libc10.so"), Path.Combine(lib, "libc10.so"));
        File.Copy(Path.Combine(BundledNatives, "libc10.so"), Path.Combine(lib, "libtorch.so"));
        File.WriteAllText(Path.Combine(root, "version.py"), "__version__ = '1.0.0+fake'\n");
        var fake = RunWith(lib, "doctor");
        Assert.Equal(1, fake.Code);
        Assert.Matches(@"^error: MIDIGENRE_LIBTORCH=.*libtorch 1\.0\.0\+fake lacks \d+ of the \d+ functions", fake.Err);
        Assert.Contains("TorchSharp 0.107.0 (made for libtorch 2.10.0)", fake.Err);
        Assert.Single(fake.Err.Trim().Split('\n'));
        Assert.Equal(1, RunWith(root, "doctor").Code); // no libtorch.so there
        // A complete libtorch, but the build carries its own: two copies would abort the process.
        string complete = Path.Combine(root, "complete");
        Directory.CreateDirectory(complete);
        foreach (var f in new[] { "libc10.so", "libtorch.so", "libtorch_cpu.so" })
            File.CreateSymbolicLink(Path.Combine(complete, f), Path.Combine(BundledNatives, f));
        var twice = RunWith(complete, "doctor");
        Assert.Equal(1, twice.Code);
        Assert.Contains("carries the CPU libtorch", twice.Err);
        Directory.Delete(root, true);
    }

    [Fact]
    public void Every_function_libLibTorchSharp_imports_is_found_in_the_libtorch_it_was_built_for()
    {
        var imports = ElfSymbols.Read(Path.Combine(BundledNatives, "libLibTorchSharp.so")).RequiredUnversioned;
        Assert.True(imports.Count > 1000, $"{imports.Count} unversioned imports");
        Assert.Contains(imports, s => s.StartsWith("_ZN2at", StringComparison.Ordinal));
        Assert.DoesNotContain(imports, s => s.StartsWith("memcpy", StringComparison.Ordinal)); // glibc is versioned
        var location = LibTorchLocation.Checked(
            BundledNatives,
            Path.Combine(BundledNatives, "libLibTorchSharp.so"),
            BundledNatives
        );
        Assert.Equal(imports.Count, location.Imports);
    }

    [Fact]
    public void Cudnn_determinism_flags_are_set_and_read_back_in_libtorch()
    {
        Assert.True(CudnnFlags.Available, "missing: " + string.Join(", ", CudnnFlags.Missing));
        bool deterministic = CudnnFlags.Deterministic!.Value,
            benchmark = CudnnFlags.Benchmark!.Value;
        try
        {
            CudnnFlags.Benchmark = false;
            CudnnFlags.UseAutotunerUnlessDeterministic(); // what placing a model on CUDA does
            Assert.True(CudnnFlags.Benchmark);
            CudnnFlags.Deterministic = !deterministic;
            Assert.Equal(!deterministic, CudnnFlags.Deterministic);
            CudnnFlags.Benchmark = true;
            Assert.True(CudnnFlags.Benchmark);
            CudnnFlags.Benchmark = false;
            Assert.False(CudnnFlags.Benchmark);
        }
        finally
        {
            CudnnFlags.Deterministic = deterministic;
            CudnnFlags.Benchmark = benchmark;
        }
        var (code, stdout, stderr) = CliTests.Run("doctor", "--deterministic");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"cuDNN deterministic / autotuner\s+True / False", stdout);
    }

    [Fact]
    public void Evaluation_attacks_and_notebooks_take_the_device_from_the_model()
    {
        // What crashed on a GPU: batches defaulting to the CPU (`device ??= CPU`) while the model was on CUDA.
        string root = Notebooks.NotebookRunner.FindRepositoryRoot();
        var offenders = new[] { "Evaluation", "Attacks", "Defenses", "Baselines" }
            .SelectMany(d =>
                Directory.EnumerateFiles(Path.Combine(root, "lib", "MidiGenre", d), "*.cs", SearchOption.AllDirectories)
            )
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "notebooks"), "*.ipynb"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Contains("??= CPU") || x.line.Contains("Device? device = null"))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(
            offenders.Count == 0,
            "take the device from the model (ModelDevice.Of): " + string.Join(", ", offenders)
        );
    }
}

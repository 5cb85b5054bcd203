using MidiGenre.Experiments;
using NetArchTest.Rules;

namespace MidiGenre.Tests;

/// <summary>The library's layers only point down (docs/architecture.md): a type may use its own layer and the layers
/// listed before it, never one listed after it.</summary>
[Collection("alone")] // reading the assemblies allocates: keep it away from the memory test
public class ArchitectureTests
{
    static readonly System.Reflection.Assembly Library = typeof(Study).Assembly;

    /// <summary>Bottom to top; each layer is a folder of lib/MidiGenre and a namespace.</summary>
    public static readonly string[][] Layers =
    [
        ["MidiGenre.Common", "MidiGenre.Native"],
        ["MidiGenre.Midi"],
        ["MidiGenre.Encoding"],
        ["MidiGenre.Data"],
        ["MidiGenre.Models"],
        ["MidiGenre.Evaluation"],
        ["MidiGenre.Training"],
        ["MidiGenre.Attacks"],
        ["MidiGenre.Defenses"],
        ["MidiGenre.Baselines"],
        ["MidiGenre.Experiments"],
        ["MidiGenre.Charts"],
        ["MidiGenre.Notebooks"],
    ];

    public static TheoryData<int> LayerIndices => new(Enumerable.Range(0, Layers.Length - 1));

    [Theory]
    [MemberData(nameof(LayerIndices))]
    public void A_layer_uses_no_layer_above_it(int layer)
    {
        var above = Layers.Skip(layer + 1).SelectMany(l => l).ToArray();
        var failing = Layers[layer].SelectMany(name => Violations(name, above)).ToList();
        Assert.True(
            failing.Count == 0,
            $"{string.Join(", ", Layers[layer])} must not use a higher layer; offenders: {string.Join(", ", failing)}"
        );
    }

    [Fact]
    public void Every_type_belongs_to_a_layer()
    {
        var known = Layers.SelectMany(l => l).ToArray();
        var stray = Library
            .GetTypes()
            .Where(t => t.Namespace != null && t.Namespace.StartsWith("MidiGenre") && !t.Name.StartsWith('<'))
            .Where(t => !known.Any(k => t.Namespace == k || t.Namespace!.StartsWith(k + ".")))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(
            stray.Count == 0,
            $"types outside every layer (add their namespace to Layers and docs/architecture.md): "
                + $"{string.Join(", ", stray)}"
        );
    }

    [Fact]
    public void The_folders_of_the_library_are_its_layers()
    {
        // The folder list of lib/MidiGenre reads as the layer list: each folder is one layer's namespace, and no code
        // sits at the root where no layer claims it.
        string lib = Path.Combine(Notebooks.NotebookRunner.FindRepositoryRoot(), "lib", "MidiGenre");
        var folders = Directory
            .GetDirectories(lib)
            .Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj"))
            .Select(n => "MidiGenre." + n)
            .Order()
            .ToList();
        Assert.Equal(Layers.SelectMany(l => l).Order().ToList(), folders);
        Assert.Equal(["GlobalUsings.cs"], Directory.GetFiles(lib, "*.cs").Select(Path.GetFileName));
        Assert.All(
            Library.GetTypes().Where(t => t.Namespace?.StartsWith("MidiGenre.") == true && !t.Name.StartsWith('<')),
            t => Assert.Contains(t.Namespace!.Split('.')[1], folders.Select(f => f.Split('.')[1]))
        );
    }

    [Fact]
    public void The_check_sees_real_dependencies()
    {
        // Training really uses Evaluation (the trainer validates every epoch): asking the opposite must fail, so a
        // passing layer test is not a checker that sees nothing.
        Assert.NotEmpty(Violations("MidiGenre.Training", ["MidiGenre.Evaluation"]));
        Assert.NotEmpty(Violations("MidiGenre.Experiments", ["MidiGenre.Attacks"]));
    }

    [Fact]
    public void The_command_line_describes_training_runs_and_never_wires_a_trainer()
    {
        // One way to build a run: `train` and `advtrain` hand a TrainingRun to the library, like the notebooks.
        var cli = Types.InAssembly(typeof(Cli.Commands.TrainCommand).Assembly);
        var wiring = cli.ShouldNot().HaveDependencyOn(typeof(Training.Trainer).FullName).GetResult();
        Assert.True(wiring.IsSuccessful, "wire a Trainer: " + string.Join(", ", wiring.FailingTypeNames ?? []));
        Assert.False(
            cli.ShouldNot().HaveDependencyOn(typeof(Experiments.TrainingRun).FullName).GetResult().IsSuccessful
        );
    }

    static IEnumerable<string> Violations(string layer, string[] forbidden)
    {
        var types = Types
            .InAssembly(Library)
            .That()
            .ResideInNamespaceMatching("^" + System.Text.RegularExpressions.Regex.Escape(layer) + @"(\..*)?$");
        var result = types.ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames ?? [];
    }
}

/// <summary>Random tensors come from one place (<see cref="Common.RandomStream"/>: a CPU generator, then moved), so
/// TorchSharp's CUDA generator bug cannot be reached and a seed gives the same numbers on every device.</summary>
public class RandomSourceTests
{
    [Fact]
    public void Only_RandomStream_makes_a_torch_generator_or_passes_one()
    {
        string root = Notebooks.NotebookRunner.FindRepositoryRoot();
        var offenders = Directory
            .EnumerateFiles(Path.Combine(root, "lib"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "notebooks"), "*.ipynb"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => Path.GetFileName(f) != "RandomStream.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Contains("new Generator(") || x.line.Contains("generator:"))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, "draw random tensors through RandomStream: " + string.Join(", ", offenders));
    }
}

/// <summary>The notebooks build attacks by name through the factory the CLI uses (<see cref="Attacks.AttackFactory"/>,
/// via <see cref="Experiments.Study.CreateAttack"/>), so a notebook and `midigenre attack` give the same numbers for
/// the same attack: the factory derives each attack's seed and step size, a constructor call would not.</summary>
public class NotebookAttackTests
{
    [Fact]
    public void No_notebook_constructs_an_attack_directly()
    {
        string root = Notebooks.NotebookRunner.FindRepositoryRoot();
        var attackTypes = typeof(Attacks.Attack)
            .Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Attacks.Attack)))
            .Select(t => $"new {t.Name}(")
            .ToList();
        Assert.Contains("new VelocityAttack(", attackTypes);
        var offenders = Directory
            .EnumerateFiles(Path.Combine(root, "notebooks"), "*.ipynb")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => attackTypes.Any(x.line.Contains))
            .Select(x => $"{Path.GetFileName(x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(offenders.Count == 0, "use study.CreateAttack(name, budget): " + string.Join(", ", offenders));
        // The musical attacks of notebook 06 are registered names with budgets the factory accepts.
        foreach (var (name, budget) in Experiments.Study.MusicalAttacks)
            Attacks.AttackFactory.Validate(name, budget);
    }
}

/// <summary>The line limit of .editorconfig, for what CSharpier does not wrap (comments, long string
/// literals).</summary>
public class StyleTests
{
    [Fact]
    public void No_source_line_is_longer_than_120_characters()
    {
        string root = Notebooks.NotebookRunner.FindRepositoryRoot();
        var longLines = new[] { "lib", "tests" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Length > 120)
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}")
            .ToList();
        Assert.True(longLines.Count == 0, "lines over 120 characters: " + string.Join(", ", longLines.Take(20)));
    }
}

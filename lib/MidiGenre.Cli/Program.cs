using System.CommandLine;
using MidiGenre.Cli.Commands;

// Commands that never touch a tensor start without loading libtorch (0.35 s and ~120 MB of a 2-core start-up). Set
// before any library type is used: the library's module initializer reads it (TorchNative).
bool deferTorch =
    args
        is []
            or ["encode" or "synth" or "prepare" or "kernel" or "--help" or "-h" or "-?" or "--version", ..]
            or ["bench", "encode", ..]
    || args.Contains("--help")
    || args.Contains("-h");
if (deferTorch)
    AppContext.SetSwitch(MidiGenre.Native.TorchNative.DeferSwitch, true);

var deterministic = new Option<bool>("--deterministic")
{
    Description =
        "Repeatable GPU runs where libtorch can: cuDNN's deterministic algorithms, its autotuner off, deterministic "
        + "algorithms preferred (a warning names each operation that has none) and cuBLAS's fixed workspace (slower; "
        + "no effect on the CPU, which is repeatable already)",
    Recursive = true,
};
var root = new RootCommand(
    "midigenre — composer/genre classification of MIDI piano rolls and adversarial "
        + "attacks on it (Kim et al., ISMIR 2020)"
)
{
    EncodeCommand.Create(),
    SynthCommand.Create(),
    PrepareCommand.Create(),
    BenchCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    AttackCommand.Create(),
    BaselineCommand.Create(),
    AdvTrainCommand.Create(),
    PipelineCommand.Create(),
    NotebooksCommand.Create(),
    DoctorCommand.Create(),
    KernelCommand.Create(),
    AppsCommand.Create(),
};
root.Add(deterministic);
var parsed = root.Parse(args);
if (!deferTorch)
{
    // A libtorch that was refused (MIDIGENRE_LIBTORCH) stops here with its reason, before any tensor.
    if (MidiGenre.Native.TorchNative.Failure is string failure)
        return Common.Fail(failure);
    if (parsed.GetValue(deterministic))
        MidiGenre.Native.CudnnFlags.MakeDeterministic();
}
return await parsed.InvokeAsync();

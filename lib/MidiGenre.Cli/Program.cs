using System.CommandLine;
using MidiGenre.Cli.Commands;

// Commands that never touch a tensor start without loading libtorch (0.35 s and ~120 MB of a 2-core start-up). Set
// before any library type is used: the library's module initializer reads it (TorchNative).
if (
    args
    is []
        or ["encode" or "synth" or "prepare" or "--help" or "-h" or "-?" or "--version", ..]
        or ["bench", "encode", ..]
)
    AppContext.SetSwitch(MidiGenre.Native.TorchNative.DeferSwitch, true);

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
};
return await root.Parse(args).InvokeAsync();

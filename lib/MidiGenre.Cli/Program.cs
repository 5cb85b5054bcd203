using System.CommandLine;
using MidiGenre.Cli.Commands;

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

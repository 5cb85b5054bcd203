using MidiGenre.Cli.Commands;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Training;

namespace MidiGenre.Tests;

/// <summary>`evaluate` and `attack` start from the data a checkpoint records and change only what the command line
/// names.</summary>
public class CheckpointDataTests
{
    static readonly DataSource Recorded = new DataSource("/runs/data", "/corpora/mine")
    {
        LabelColumn = "genre",
        Classes = "jazz,folk",
        Encoding = new EncodeOptions(DropDrums: true, SustainPedal: true),
    };

    static CheckpointMeta Meta(DataSource? source) =>
        new(TrainSettings.ForProfile("cpu"), ["jazz", "folk"], 8, [], 0.9, 6, "mine") { Source = source };

    static DataSource SourceFor(string args, DataSource? recorded = null)
    {
        var options = new DataOptions();
        var command = new System.CommandLine.Command("evaluate");
        options.AddTo(command);
        return options.SourceFor(command.Parse(args), Meta(recorded ?? Recorded));
    }

    [Fact]
    public void One_data_option_changes_that_option_only()
    {
        Assert.Equal(Recorded, SourceFor(""));
        var stratified = SourceFor("--split stratified");
        Assert.Equal(Recorded with { Split = SplitMode.Stratified }, stratified);
        Assert.True(stratified.Encoding.SustainPedal && stratified.Encoding.DropDrums, "encoder options dropped");
        var other = SourceFor("--corpus /corpora/other");
        Assert.Equal(Path.GetFullPath("/corpora/other"), other.Corpus);
        Assert.Equal(("genre", "jazz,folk", true), (other.LabelColumn, other.Classes, other.Encoding.SustainPedal));
    }

    [Fact]
    public void A_checkpoint_without_a_recorded_source_needs_one_named()
    {
        var options = new DataOptions();
        var command = new System.CommandLine.Command("evaluate");
        options.AddTo(command);
        Assert.Throws<UsageException>(() => options.SourceFor(command.Parse(""), Meta(null) with { Source = null }));
        Assert.Equal(
            "x",
            Path.GetFileName(
                options.SourceFor(command.Parse("--corpus /c/x"), Meta(null) with { Source = null }).Corpus
            )
        );
    }
}

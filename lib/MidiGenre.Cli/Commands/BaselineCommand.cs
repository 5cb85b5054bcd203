using System.CommandLine;
using MidiGenre.Baselines;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Training;

namespace MidiGenre.Cli.Commands;

static class BaselineCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var d = new DataOptions();
        var profile = Common.Profile("segments per performance and the synthetic corpus, as for train");
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for baseline.json",
            DefaultValueFactory = _ => Path.Combine("artifacts", "baseline"),
        };
        var seed = Common.Seed();
        var cmd = new Command(
            "baseline",
            "The yardsticks for the CNN, fitted on the train split, picked on validation, voted per performance, "
                + "figures on the test split: music features (pitch, inter-onset-interval, note-length, velocity and "
                + "melodic-interval histograms, onset autocorrelation) with gradient-boosted trees; pitch and "
                + "pitch-class histograms + 4 scalars with logistic regression; the 4 scalars alone"
        )
        {
            profile,
            output,
            seed,
        };
        d.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var p = Common.ProfileOf(r, profile);
                var settings = TrainSettings.For(p);
                var data = ExperimentData.Load(
                    d.Source(r, p),
                    new SegmentSpec(settings.SegmentsPerPiece),
                    r.GetValue(seed),
                    settings.InputChannels
                );
                var figures = Yardsticks.Fit(data.Train, data.Validation, data.Test, data.Classes, r.GetValue(seed));
                foreach (var b in figures)
                    Console.WriteLine(
                        $"{b.Features} ({b.FeatureCount} features; {b.Classifier}), test split of {data.Source.Name}: "
                            + "segment "
                            + $"accuracy {b.SegmentAccuracy:P1}, "
                            + $"performance accuracy {b.PerformanceAccuracy:P1}, "
                            + $"performance weighted F1 {b.WeightedF1:F3}"
                    );
                Directory.CreateDirectory(r.GetValue(output)!);
                JsonFiles.Write(
                    Path.Combine(r.GetValue(output)!, "baseline.json"),
                    new
                    {
                        dataset = data.Source.Name,
                        split = "test",
                        baselines = figures,
                    }
                );
                return 0;
            })
        );
        return cmd;
    }
}

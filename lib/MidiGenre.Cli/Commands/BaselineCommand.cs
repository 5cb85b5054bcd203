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
        var profile = new Option<string>("--profile")
        {
            Description = "smoke | cpu | paper: segments per piece and synthetic corpus, as for train",
            DefaultValueFactory = _ => "cpu",
        };
        profile.AcceptOnlyFromAmong("smoke", "cpu", "paper");
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for baseline.json",
            DefaultValueFactory = _ => Path.Combine("artifacts", "baseline"),
        };
        var seed = Common.Seed();
        var cmd = new Command(
            "baseline",
            "The yardstick for the CNN: pitch and pitch-class histograms + 4 scalars per segment (and the 4 "
                + "scalars alone), multinomial logistic regression fitted on the train split, majority vote per piece;"
                + " figures on the test split"
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
                var settings = TrainSettings.ForProfile(r.GetValue(profile)!);
                var data = ExperimentData.Load(
                    d.Source(r, settings.Profile),
                    new SegmentSpec(settings.SegmentsPerPiece),
                    r.GetValue(seed),
                    settings.InputChannels
                );
                var figures = new[] { BaselineFeatures.Histogram, BaselineFeatures.Scalars }
                    .Select(f =>
                        new HistogramBaseline(f, r.GetValue(seed)).Figures(
                            data.Train,
                            data.Validation,
                            data.Test,
                            data.Classes
                        )
                    )
                    .ToList();
                foreach (var b in figures)
                    Console.WriteLine(
                        $"{b.Features} ({b.FeatureCount} features), test split of {data.Source.Name}: segment "
                            + $"accuracy {b.SegmentAccuracy:P1}, "
                            + $"piece accuracy {b.PieceAccuracy:P1}, piece weighted F1 {b.WeightedF1:F3}"
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

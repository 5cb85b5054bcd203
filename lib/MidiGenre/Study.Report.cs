using System.Text.Json;

namespace MidiGenre;

/// <summary>report.json, assembled from the files the steps wrote.</summary>
public sealed partial class Study
{
    /// <summary>Assembles report.json from the files the steps wrote.</summary>
    public PipelineReport WriteReport(double seconds = 0)
    {
        var eval = JsonDocument
            .Parse(
                File.ReadAllText(
                    Require(Path.Combine(BaseDir, "evaluation.json"), "the evaluation step (03-evaluation)")
                )
            )
            .RootElement;
        var baselines = File.Exists(BaselinePath) ? ReadBaselines() : Baselines();
        var robustness = JsonFiles.Read<AdversarialTrainingFigures>(
            Require(RobustnessPath, "the adversarial-training step (05-adversarial-training)")
        );
        var report = new PipelineReport(
            Profile,
            Source.Name,
            Data.Classes,
            Settings.Arch,
            Data.Train.Pieces.Count,
            Data.Validation.Pieces.Count,
            new CleanFigures(
                eval.GetProperty("segment_accuracy").GetDouble(),
                eval.GetProperty("piece_accuracy").GetDouble(),
                eval.GetProperty("weighted_f1").GetDouble()
            ),
            ReadSweep(),
            robustness,
            Math.Round(seconds, 1)
        )
        {
            Split = ReportSplit,
            TestPieces = Data.Test.Pieces.Count,
            SplitMode = Data.Split.Mode.ToString().ToLowerInvariant(),
            Checkpoint = ChoiceOf(BaseDir),
            Seed = Seed,
            Baseline = baselines[0],
            ScalarBaseline = baselines[1],
            EncodeFailures = Data.Failed.Count,
        };
        JsonFiles.Write(ReportPath, report);
        Say($"report → {ReportPath}");
        return report;
    }
}

using MidiGenre.Evaluation;

namespace MidiGenre.Experiments;

/// <summary>report.json, assembled from the files the steps wrote.</summary>
public sealed partial class Study
{
    /// <summary>Assembles report.json from the files the steps wrote.</summary>
    public PipelineReport WriteReport(double seconds = 0)
    {
        var eval = EvaluationSummary.Read(
            Require(Path.Combine(BaseDir, "evaluation.json"), "the evaluation step (03-evaluation)")
        );
        var baselines = BaselinesReusedOrFitted();
        const string producer = "the adversarial-training step (05-adversarial-training)";
        var robustness = JsonFiles.Read<AdversarialTrainingFigures>(Require(RobustnessPath, producer));
        ResultStamp.Check(robustness.Stamp, RobustnessStamp, RobustnessPath, producer);
        var report = new PipelineReport(
            Profile.Name,
            Source.Name,
            Data.Classes,
            Settings.Arch,
            Data.Train.Pieces.Count,
            Data.Validation.Pieces.Count,
            new CleanFigures(eval.SegmentAccuracy, eval.PerformanceAccuracy, eval.WeightedF1),
            ReadSweep(),
            robustness,
            Math.Round(seconds, 1)
        )
        {
            Split = ReportSplit,
            TestPerformances = Data.Test.Pieces.Count,
            SplitMode = Data.Split.Mode.ToString().ToLowerInvariant(),
            Checkpoint = ChoiceOf(BaseDir),
            Seed = Seed,
            FeatureBaseline = baselines[0],
            Baseline = baselines[1],
            ScalarBaseline = baselines[2],
            EncodeFailures = Data.Failed.Count,
        };
        JsonFiles.Write(ReportPath, report);
        Say($"report → {ReportPath}");
        return report;
    }
}

using System.Text.Json;
using MidiGenre.Attacks;
using MidiGenre.Data;
using MidiGenre.Evaluation;

namespace MidiGenre.Experiments;

/// <summary>
/// The whole study: prepare → train → evaluate → baselines → the attack sweep (FGSM, PGD, AutoAttack, pgd-midi, with
/// its sanity checks) → adversarial retraining (from scratch, or fine-tuned: --fine-tune) → PGD, AutoAttack, pgd-midi
/// and transfer on both models → the pgd-midi defense beside it (defenses.json), written to OUT/report.json (plus
/// checkpoints under OUT/base, OUT/advtrain and OUT/adv-pgd-midi, attacks.csv, MIDI examples under OUT/examples).
/// The same <see cref="Study"/> steps the notebooks call; finished steps (cache, checkpoints) are reused, so a re-run
/// after a crash resumes.
/// </summary>
public sealed class Pipeline(RunSpec spec)
{
    public Action<string>? Log { get; init; }

    public PipelineReport Run()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var study = new Study(spec) { Log = Log };
        Log?.Invoke($"data: {spec.Source.Name}; device: {study.Device.type}");
        Log?.Invoke(
            $"{study.Data.Classes.Count} classes; {study.Data.Train.Pieces.Count} train / "
                + $"{study.Data.Validation.Pieces.Count} validation / "
                + $"{study.Data.Test.Pieces.Count} test pieces ({study.Data.Split.Mode} split); "
                + $"figures below are on the test split"
        );
        var baseModel = study.TrainBase();
        var clean = study.Evaluate(baseModel, study.BaseDir);
        Log?.Invoke(
            $"clean (test): segment {clean.Segment.Accuracy:P1}, performance {clean.Performance.Accuracy:P1}, "
                + "weighted F1 "
                + $"{clean.Performance.WeightedF1:F3}"
        );
        study.Baselines();
        study.Sweep(baseModel);
        var retrained = study.TrainAdversarial();
        var cmp = study.CompareRobustness(baseModel, retrained);
        study.CompareDefenses(cmp);
        return study.WriteReport(started.Elapsed.TotalSeconds);
    }
}

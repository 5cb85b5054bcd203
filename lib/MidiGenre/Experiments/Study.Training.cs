using MidiGenre.Defenses;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>Training steps: the base model and adversarial retraining, each resumable and reused when
/// finished.</summary>
public sealed partial class Study
{
    /// <summary>Trains the base model (or reuses a finished run) and returns it in eval mode.</summary>
    public nn.Module<Tensor, Tensor> TrainBase() => TrainOrLoad(BaseDir, DefenseSpec.None);

    /// <summary>Adversarial retraining with <see cref="Defense"/>(<paramref name="method"/>) into <see cref="AdvDir"/>
    /// (or <paramref name="dir"/>); a mix of clean and adversarial segments per batch.</summary>
    public nn.Module<Tensor, Tensor> TrainAdversarial(string? method = null, string? dir = null) =>
        TrainOrLoad(dir ?? AdvDir, Defense(method));

    /// <summary>The run's full history and settings (from last/, which holds every epoch).</summary>
    public CheckpointMeta Meta(string runDir) => Training.Checkpoint.ReadMeta(RequireRun(runDir), "last");

    /// <summary>Loads a finished run's <see cref="Checkpoint"/> weights (best validation epoch by default) in eval
    /// mode.</summary>
    public nn.Module<Tensor, Tensor> Load(string runDir) =>
        Training.Checkpoint.LoadModel(RequireRun(runDir), Device, Checkpoint).Model;

    /// <summary>"best, epoch 6 of 8" for titles and reports.</summary>
    public CheckpointChoice ChoiceOf(string runDir)
    {
        var meta = Training.Checkpoint.ReadMeta(RequireRun(runDir), Checkpoint);
        return new CheckpointChoice(Checkpoint, meta.Epoch, meta.Settings.Epochs);
    }

    string RequireRun(string runDir)
    {
        Require(
            Path.Combine(runDir, "last", "meta.json"),
            runDir == AdvDir ? "the adversarial-training step" : "the training step"
        );
        return runDir;
    }

    static string Require(string path, string producer) =>
        File.Exists(path) ? path : throw new MissingStepException(path, producer);

    /// <summary>The run this study trains into <paramref name="dir"/>: the spec's settings and <paramref
    /// name="defense"/>, fine-tuned from the base model's chosen checkpoint when the defense says so.</summary>
    public TrainingRun RunFor(string dir, DefenseSpec defense) =>
        defense.FineTune && defense.Method != DefenseMethod.None
            ? TrainingRun.FineTuned(
                Settings,
                defense,
                dir,
                Path.Combine(RequireRun(BaseDir), Checkpoint),
                "base model"
            ) with
            {
                Device = Device,
            }
            : new TrainingRun(Settings, defense with { FineTune = false }, dir) { Device = Device };

    nn.Module<Tensor, Tensor> TrainOrLoad(string dir, DefenseSpec defense)
    {
        var run = RunFor(dir, defense);
        var settings = run.Effective;
        var trainer = run.Trainer(
            Data,
            new TrainingReports
            {
                OnProgress = OnTrainProgress,
                OnEpoch = m =>
                    Say(
                        $"epoch {m.Epoch}/{settings.Epochs}: loss {m.TrainLoss:F3}, train acc {m.TrainAccuracy:P1}, "
                            + $"validation performance acc {m.ValPerformanceAccuracy:P1}, F1 {m.ValWeightedF1:F3}, "
                            + $"{m.SegmentsPerSecond:F1} seg/s"
                    ),
                OnStop = reason => Say("stopped: " + reason),
            }
        );
        Training.Checkpoint.Recover(Path.Combine(dir, "last"));
        if (
            File.Exists(Path.Combine(dir, "last", "meta.json"))
            && Training.Checkpoint.ReadMeta(dir, "last") is var done
            && (done.Epoch >= settings.Epochs || done.StoppedEarly != null)
        )
        {
            // A finished run is reused only if it is the run asked for: never relabel a model trained otherwise.
            var changes = RunChanges.Between(done, trainer.Describe(Data.Train));
            if (changes.Count > 0)
                throw new ResumeMismatchException(
                    Path.Combine(dir, "last"),
                    changes,
                    "Delete that folder to train again, or choose another output folder (MIDIGENRE_OUT, --out)."
                );
            Say($"reusing the finished run in {dir} (delete it to train again)");
        }
        else
        {
            Say($"training {Settings.Arch} {run.Describe()} for {settings.Epochs} epochs on {Device.type} → {dir}");
            trainer.Run(Data.Train, Data.Validation, resume: true);
        }
        return Load(dir);
    }
}

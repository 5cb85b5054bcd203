using MidiGenre.Defenses;
using MidiGenre.Evaluation;
using MidiGenre.Training;
using static TorchSharp.torch;

namespace MidiGenre;

/// <summary>Training steps: the base model and adversarial retraining, each resumable and reused when
/// finished.</summary>
public sealed partial class Study
{
    /// <summary>Trains the base model (or reuses a finished run) and returns it in eval mode.</summary>
    public nn.Module<Tensor, Tensor> TrainBase() => TrainOrLoad(BaseDir, null);

    /// <summary>Adversarial retraining with <see cref="AdversarialMethod"/> (or <paramref name="method"/>) into
    /// <see cref="AdvDir"/> (or <paramref name="dir"/>); a mix of clean and adversarial segments per batch.</summary>
    public nn.Module<Tensor, Tensor> TrainAdversarial(string? method = null, string? dir = null)
    {
        method ??= Method;
        int steps = method == "free" ? FreeReplays : PgdSteps;
        var adv = new AdversarialTraining(AdversarialEps, steps, AdversarialMix, Seed, method);
        var guard =
            method == "fast" ? new OverfittingGuard(Data.Validation, AdversarialEps, PgdSteps, seed: Seed) : null;
        return TrainOrLoad(dir ?? AdvDir, adv, guard);
    }

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

    nn.Module<Tensor, Tensor> TrainOrLoad(string dir, AdversarialTraining? adv, OverfittingGuard? guard = null)
    {
        var settings = adv == null ? Settings : Settings with { Epochs = adv.EpochsFor(Settings.Epochs) };
        var trainer = new Trainer(settings, Data.Classes, dir, Source.Name)
        {
            Device = Device,
            Source = Source,
            Defense = adv?.Settings,
            OnProgress = OnTrainProgress,
            OnEpoch = m =>
                Say(
                    $"epoch {m.Epoch}/{settings.Epochs}: loss {m.TrainLoss:F3}, train acc {m.TrainAccuracy:P1}, "
                        + $"validation piece acc {m.ValPieceAccuracy:P1}, F1 {m.ValWeightedF1:F3}, "
                        + $"{m.SegmentsPerSecond:F1} seg/s"
                ),
            BatchTransform = adv == null ? null : adv.Transform,
            Replays = adv?.Replays ?? 1,
            AfterBackward = adv == null ? null : adv.AfterBackward,
            StopCheck = guard == null ? null : guard.Check,
            OnStop = reason => Say("stopped: " + reason),
        };
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
            Say(
                $"training {Settings.Arch} "
                    + $"{(adv == null ? "" : $"adversarially ({adv.Method}, ε={adv.Eps}, mix {adv.Mix}) ")}for "
                    + $"{settings.Epochs} epochs on {Device.type} → {dir}"
            );
            trainer.Run(Data.Train, Data.Validation, resume: true);
        }
        return Load(dir);
    }
}

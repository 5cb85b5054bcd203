using System.Diagnostics;
using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Data;
using MidiGenre.Defenses;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;
using MidiGenre.Models;
using MidiGenre.Native;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>One step of <see cref="Doctor.Smoke"/> on one device: passed, or the error that stopped it.</summary>
public sealed record DoctorCheck(string Device, string Step, double Seconds, string? Error)
{
    public bool Passed => Error == null;
}

/// <summary>
/// What this machine offers the toolkit (devices, where libtorch came from, CUDA and cuDNN, TF32, threads) and a smoke
/// test that runs, on every device there is, each kind of work the toolkit does once on tiny data: a training step of
/// every architecture the profiles use, evaluation in fp32 and bf16, every registered attack (and each targeted one)
/// as a sweep runs it, one epoch of the trainer under every registered defense, a killed and resumed run, robust
/// validation and the overfitting guard, TRADES and free steps, saliency (one segment and per class) and realisation
/// as MIDI (<see cref="StepNames"/>). A step that throws is reported with its device and the next step runs; a step
/// that crashes the process (a native fault) shows as the last step printed.
/// </summary>
public static class Doctor
{
    /// <summary>(name, value) rows describing the machine and the libtorch in use.</summary>
    public static IReadOnlyList<(string Name, string Value)> Describe()
    {
        var rows = new List<(string, string)>
        {
            ("TorchSharp", LibTorchLocation.TorchSharpVersion),
            (
                "libtorch",
                TorchNative.LibTorch is { } l
                    ? $"{l.Version}, {(l.External ? $"from {LibTorchLocation.Variable}" : "bundled")}: {l.Directory}"
                    : TorchNative.Report
            ),
            ("native setup", TorchNative.Report),
            ("devices", string.Join(", ", Devices().Select(d => d.ToString()))),
            ("CUDA available", cuda.is_available() ? $"yes, {cuda.device_count()} device(s)" : "no"),
            ("cuDNN available", cuda.is_cudnn_available() ? "yes" : "no"),
            ("TF32 (cuDNN convolutions)", backends.cudnn.allow_tf32 ? "allowed" : "off"),
            ("TF32 (CUDA matrix products)", backends.cuda.matmul.allow_tf32 ? "allowed" : "off"),
            (
                "cuDNN deterministic / autotuner",
                CudnnFlags.Available
                    ? $"{CudnnFlags.Deterministic} / {CudnnFlags.Benchmark}"
                    : $"unknown: this libtorch lacks {string.Join(", ", CudnnFlags.Missing)}"
            ),
            ("CPU threads (libtorch)", get_num_threads().ToString()),
            ("CPU cores", Environment.ProcessorCount.ToString()),
            ("bf16 native on this CPU", Bf16Inference.CpuHasNativeBf16() ? "yes" : "no"),
        };
        return rows;
    }

    /// <summary>The CPU and every CUDA device.</summary>
    public static IReadOnlyList<Device> Devices() =>
        [
            CPU,
            .. Enumerable
                .Range(0, cuda.is_available() ? cuda.device_count() : 0)
                .Select(i => new Device(DeviceType.CUDA, i)),
        ];

    /// <summary>Every step on every device; <paramref name="onCheck"/> hears each result as it comes.</summary>
    public static IReadOnlyList<DoctorCheck> Smoke(Action<DoctorCheck>? onCheck = null)
    {
        var checks = new List<DoctorCheck>();
        foreach (var device in Devices())
        foreach (var (step, work) in Steps(device))
        {
            var check = Run(device, step, work);
            checks.Add(check);
            onCheck?.Invoke(check);
        }
        return checks;
    }

    static DoctorCheck Run(Device device, string step, Action work)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            using var scope = NewDisposeScope();
            work();
            if (device.type == DeviceType.CUDA)
                cuda.synchronize(); // an asynchronous CUDA error belongs to this step
            return new DoctorCheck(device.ToString(), step, sw.Elapsed.TotalSeconds, null);
        }
        catch (Exception e)
        {
            return new DoctorCheck(
                device.ToString(),
                step,
                sw.Elapsed.TotalSeconds,
                e.GetType().Name + ": " + e.Message
            );
        }
    }

    const int Classes = 4;

    /// <summary>The names of the steps <see cref="Smoke"/> runs on each device, in order: derived from the attack and
    /// defense registries (<see cref="AttackFactory.Names"/>, <see cref="AttackFactory.TargetedNames"/>,
    /// <see cref="DefenseSpec.Methods"/>), so a newly registered one is smoke-tested without being listed
    /// here.</summary>
    public static IReadOnlyList<string> StepNames => [.. Steps(CPU, plan: true).Select(s => s.Name)];

    static IEnumerable<(string Name, Action Work)> Steps(Device device, bool plan = false)
    {
        // Long by design: the list of steps reads as the checklist it is. With `plan`, only the names are wanted:
        // nothing is built (the work delegates are never called).
        var archs = Profile.All.Select(p => TrainSettings.For(p).Arch).Distinct();
        foreach (var arch in archs)
            yield return ($"train step ({arch})", () => TrainStep(ModelOn(arch, device)));
        var model = plan ? null! : ModelOn("convnet", device);
        var data = plan ? null! : TinyData();
        yield return ("evaluate", () => Expect(Evaluator.Predict(model, data).Probabilities.Length == data.Count));
        yield return ("evaluate (bf16)", () => Bf16Step(device, data));
        foreach (var name in AttackFactory.Names)
            yield return ($"attack {name}", () => AttackStep(model, data, name, targeted: false));
        foreach (var name in AttackFactory.TargetedNames)
            yield return ($"attack {name} (targeted)", () => AttackStep(model, data, name, targeted: true));
        foreach (var method in DefenseSpec.Methods.Prepend("none"))
            yield return ($"train epoch ({method})", () => TrainEpoch(device, data, method));
        yield return ("train: resume a checkpoint", () => ResumeStep(device, data));
        yield return ("robust validation, early stop", () => GuardStep(model, data));
        yield return ("trades step", () => TradesStep(model, data, device));
        yield return ("free step", () => FreeStep(model, data, device));
        yield return ("saliency", () => Expect(Saliency.For(model, data, 0, ClassNames).Map.Length == 128));
        yield return ("saliency by class", () => Expect(Saliency.ByClass(model, data, ClassNames) is not null));
        yield return ("realise as MIDI", () => RealiseStep(data, device));
    }

    static readonly string[] ClassNames = Enumerable.Range(0, Classes).Select(c => $"class {c}").ToArray();

    static nn.Module<Tensor, Tensor> ModelOn(string arch, Device device)
    {
        manual_seed(0);
        return ModelDevice.Place(ModelFactory.Create(arch, 2, Classes), device);
    }

    static void TrainStep(nn.Module<Tensor, Tensor> model)
    {
        var device = ModelDevice.Of(model);
        var (x, y) = Batch(TinyData(), device);
        model.train();
        var optimizer = optim.SGD(model.parameters(), 0.01);
        var loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
        Expect(float.IsFinite(loss.item<float>()));
    }

    static void Bf16Step(Device device, SegmentDataset data)
    {
        var bf16 = new Bf16Inference(ModelOn("convnet", device));
        var p = Evaluator.Predict(bf16, data).Probabilities;
        Expect(p.Length == data.Count && p.All(row => Math.Abs(row.Sum() - 1) < 0.05));
    }

    /// <summary>The attack as a sweep runs it (2 steps): perturb, realise as MIDI, score.</summary>
    static void AttackStep(nn.Module<Tensor, Tensor> model, SegmentDataset data, string name, bool targeted)
    {
        var attack = AttackFactory.Create(name, AttackFactory.ExampleBudget(name), steps: 2, targeted: targeted);
        var r = AttackEvaluator.Run(model, data, ClassNames, attack);
        Expect(r.Segments == data.Count && double.IsFinite(r.SuccessRate) && double.IsFinite(r.Size.MeanL2));
    }

    /// <summary>One epoch of <see cref="Trainer.Run"/> with the defense's hooks: shuffled, prefetched batches,
    /// running sums on the device, robust validation, a checkpoint written.</summary>
    static void TrainEpoch(Device device, SegmentDataset data, string method)
    {
        string dir = Directory.CreateTempSubdirectory("midigenre-doctor").FullName;
        try
        {
            var (_, meta) = TrainerFor(device, data, method, dir, epochs: 1).Run(data, data);
            Expect(meta.History.Count == 1 && File.Exists(Path.Combine(dir, "last", "model.bin")));
            if (method != "none")
                Expect(meta.History[0].ValRobustAccuracy is double robust && robust >= 0);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Killed after one epoch, resumed to two: the optimizer state and the epoch count come back.</summary>
    static void ResumeStep(Device device, SegmentDataset data)
    {
        string dir = Directory.CreateTempSubdirectory("midigenre-doctor").FullName;
        try
        {
            TrainerFor(device, data, "pgd", dir, epochs: 2, stopAfter: 1).Run(data, data);
            var (_, meta) = TrainerFor(device, data, "pgd", dir, epochs: 2).Run(data, data, resume: true);
            Expect(meta.History.Count == 2 && meta.History[^1].Epoch == 2);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static Trainer TrainerFor(
        Device device,
        SegmentDataset data,
        string method,
        string dir,
        int epochs,
        int? stopAfter = null
    )
    {
        var settings = TrainSettings.ForProfile("smoke") with { Epochs = epochs, BatchSize = 2, SegmentsPerPiece = 1 };
        var defense =
            method == "none"
                ? DefenseSpec.None
                : new DefenseSpec(DefenseSpec.Parse(method), Eps: Defaults.Eps, Steps: 2);
        return new Trainer(settings, ClassNames, dir)
        {
            Device = device,
            Hooks = defense.Hooks(data),
            StopAfterEpochs = stopAfter,
        };
    }

    static void GuardStep(nn.Module<Tensor, Tensor> model, SegmentDataset data)
    {
        var (clean, robust) = new RobustValidation(data, Defaults.Eps, steps: 2, segments: 3).Measure(model);
        Expect(robust >= 0 && robust <= clean && clean <= 1);
        var guard = new OverfittingGuard();
        Expect(guard.Judge(0.9, 1) is null && guard.Judge(0.9 - 2 * OverfittingGuard.Drop, 2) is not null);
    }

    static void TradesStep(nn.Module<Tensor, Tensor> model, SegmentDataset data, Device device)
    {
        var (x, y) = Batch(data, device);
        var (loss, _) = new Trades(Defaults.Eps, 2).Objective(model, x, y, new BatchKey(0, 0, 0));
        loss.backward();
        Expect(float.IsFinite(loss.item<float>()));
    }

    static void FreeStep(nn.Module<Tensor, Tensor> model, SegmentDataset data, Device device)
    {
        var (x, y) = Batch(data, device);
        var free = new AdversarialTraining(Defaults.Eps, 2, 1, Method: "free");
        model.train();
        var loss = nn.functional.cross_entropy(model.forward(free.Transform(model, x, y, new BatchKey(0, 0, 0))), y);
        loss.backward();
        free.AfterBackward();
        Expect(float.IsFinite(loss.item<float>()));
    }

    static void RealiseStep(SegmentDataset data, Device device)
    {
        var (x, _) = Batch(data, device);
        Expect(Realizer.Realize(x, reference: x).Rolls.Length == x.shape[0]);
    }

    /// <summary>Four pieces of random notes, one segment each.</summary>
    static SegmentDataset TinyData()
    {
        var rng = Seeds.Random(0, "doctor");
        var pieces = Enumerable
            .Range(0, Classes)
            .Select(c => new Piece(
                $"doctor-{c}",
                $"random notes {c}",
                c,
                new NoteSpans(
                    Enumerable
                        .Range(0, 200)
                        .Select(_ => new NoteSpan(
                            rng.Next(480),
                            1 + rng.Next(20),
                            36 + rng.Next(60),
                            1 + rng.Next(126)
                        ))
                )
            ))
            .ToList();
        return new SegmentDataset(pieces, new SegmentSpec(1), 2);
    }

    static (Tensor X, Tensor Y) Batch(SegmentDataset data, Device device)
    {
        var batch = data.Batches(data.Count, Augmentation.Eval, device: device, prefetch: 0).First();
        return (batch.X, batch.Y);
    }

    static void Changed(Tensor x, Tensor adv) => Expect(!adv.allclose(x) && adv.device_type == x.device_type);

    static void Expect(bool ok)
    {
        if (!ok)
            throw new InvalidOperationException("the step ran but its result is wrong");
    }
}

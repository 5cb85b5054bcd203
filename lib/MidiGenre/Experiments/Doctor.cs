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
/// test that runs, on every device there is, each kind of work the toolkit does once on a tiny batch: a training step
/// of every architecture the profiles use, evaluation, FGSM, PGD with random start, PGD-L2, a TRADES and a free
/// adversarial-training step, saliency and realisation as MIDI. A step that throws is reported with its device and the
/// next step runs; a step that crashes the process (a native fault) shows as the last step printed.
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

    static IEnumerable<(string, Action)> Steps(Device device)
    {
        // Long by design: the list of steps reads as the checklist it is.
        var archs = new[] { "smoke", "cpu", "paper" }.Select(p => TrainSettings.ForProfile(p).Arch).Distinct();
        foreach (var arch in archs)
            yield return ($"train step ({arch})", () => TrainStep(ModelOn(arch, device)));
        var model = ModelOn("convnet", device);
        var data = TinyData();
        var (x, y) = Batch(data, device);
        yield return ("evaluate", () => Expect(Evaluator.Predict(model, data).Probabilities.Length == data.Count));
        yield return ("fgsm", () => Changed(x, AttackFactory.Create("fgsm", 0.05).Perturb(model, x, y)));
        yield return (
            "pgd (random start)",
            () => Changed(x, AttackFactory.Create("pgd", 0.05, 2).Perturb(model, x, y))
        );
        yield return ("pgd-l2", () => Changed(x, AttackFactory.Create("pgd-l2", 1.0, 2).Perturb(model, x, y)));
        yield return ("trades step", () => TradesStep(model, x, y));
        yield return ("free step", () => FreeStep(model, x, y));
        yield return ("saliency", () => Expect(Saliency.For(model, data, 0, ClassNames).Map.Length == 128));
        yield return ("realise as MIDI", () => Expect(Realizer.Realize(x, reference: x).Rolls.Length == x.shape[0]));
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

    static void TradesStep(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var (loss, _) = new Trades(0.05, 2).Objective(model, x, y, new BatchKey(0, 0, 0));
        loss.backward();
        Expect(float.IsFinite(loss.item<float>()));
    }

    static void FreeStep(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var free = new AdversarialTraining(0.05, 2, 1, Method: "free");
        model.train();
        var loss = nn.functional.cross_entropy(model.forward(free.Transform(model, x, y, new BatchKey(0, 0, 0))), y);
        loss.backward();
        free.AfterBackward();
        Expect(float.IsFinite(loss.item<float>()));
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

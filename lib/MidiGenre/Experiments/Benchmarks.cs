using System.Diagnostics;
using MidiGenre.Attacks;
using MidiGenre.Common;
using MidiGenre.Models;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Experiments;

/// <summary>Throughput measurements behind `midigenre bench model` (median of timed iterations after
/// warm-up).</summary>
public static class Benchmarks
{
    public static Dictionary<string, object> ModelThroughput(
        string arch,
        int batch,
        int iters,
        bool perSegment,
        bool bf16 = false
    )
    {
        Trainer.ConfigureThreads(null);
        var device = ModelFactory.DefaultDevice();
        manual_seed(0);
        var model = ModelDevice.Place(ModelFactory.Create(arch, 2, 13), device);
        var rates = new Rates(device, batch, iters);
        model.train();
        double train = rates.Train(model);
        model.eval();
        // Batch 32 matches the peer script; `small` is the batch our CPU evaluation uses (Evaluator.InferenceBatch).
        int small = Evaluation.Evaluator.InferenceBatch(device);
        var pgd = new Pgd(Defaults.Eps, Defaults.Eps / 5, Defaults.PgdSteps, Norm.LInf, randomStart: false);
        var result = new Dictionary<string, object>
        {
            ["impl"] = "midigenre-torchsharp",
            ["arch"] = arch,
            ["device"] = device.type.ToString(),
            ["threads"] = get_num_threads(),
            ["allocator"] = Native.CpuMemoryTuning.Summary,
            ["train_seg_per_s"] = Math.Round(train, 2),
            ["eval_seg_per_s"] = Math.Round(rates.Eval(model, 32), 2),
            [$"eval_b{small}_seg_per_s"] = Math.Round(rates.Eval(model, small), 2),
            ["fgsm_seg_per_s"] = Math.Round(rates.Attack(new Fgsm(Defaults.Eps), model), 2),
        };
        double pgdRate = rates.Attack(pgd, model);
        result["pgd10_seg_per_s"] = Math.Round(pgdRate, 2);
        // Achieved GFLOP/s beside this CPU's measured peak (a large matrix product): training ≈ 3 forward passes
        // per segment (forward, activation and weight gradients), evaluation 1, PGD-10 ≈ 10 × 2 (forward and the
        // input gradient only), plus the final clean forward.
        if (ResNetFlops.Forward(arch, 2, 13) is double f)
        {
            // On a GPU the convolutions run in TF32 when cuDNN may use it: the peak is measured in the same math, so
            // a share of it never exceeds 1.
            bool tf32 = device.type == DeviceType.CUDA && backends.cudnn.allow_tf32;
            double peak = PeakGflops(device, ScalarType.Float32, tf32);
            result["forward_gflop_per_segment"] = Math.Round(f / 1e9, 2);
            result[tf32 ? "peak_tf32_gflops" : "peak_fp32_gflops"] = Math.Round(peak, 1);
            foreach (var (key, passes) in new[] { ("train", 3.0), ("eval", 1.0), ("pgd10", 21.0) })
            {
                double gflops = (double)result[$"{key}_seg_per_s"] * passes * f / 1e9;
                result[$"{key}_gflops"] = Math.Round(gflops, 1);
                result[$"{key}_share_of_peak"] = Math.Round(gflops / peak, 2);
            }
            if (bf16)
                result["peak_bf16_gflops"] = Math.Round(PeakGflops(device, ScalarType.BFloat16), 1);
        }
        if (perSegment)
        {
            double loopRate = rates.AttackOneByOne(pgd, model);
            result["pgd10_per_segment_loop_seg_per_s"] = Math.Round(loopRate, 2);
            result["batched_speedup"] = Math.Round(pgdRate / loopRate, 2);
        }
        if (bf16) // last: converts the model
        {
            result["cpu_native_bf16"] = Bf16Inference.CpuHasNativeBf16();
            var half = new Bf16Inference(model);
            half.eval();
            result["eval_bf16_seg_per_s"] = Math.Round(rates.Eval(half, 32), 2);
            result[$"eval_b{small}_bf16_seg_per_s"] = Math.Round(rates.Eval(half, small), 2);
            result["pgd10_bf16_seg_per_s"] = Math.Round(rates.Attack(pgd, half), 2);
        }
        return result;
    }

    /// <summary>
    /// `bench advtrain`: the study's base model, then each adversarial-training method into its own fresh folder,
    /// trained as the spec says (from scratch, or fine-tuned from the base model: <see cref="DefenseSpec.FineTune"/>),
    /// timed (training only, the fast method's overfitting check included), and scored on the test split: clean
    /// accuracy, PGD robust accuracy (the study's ε and steps) on tensors and realised as MIDI.
    /// </summary>
    public static Dictionary<string, object> AdversarialTrainingMethods(Study study, IReadOnlyList<string> methods)
    {
        var pgd = AttackFactory.Create("pgd", study.AdversarialEps, study.PgdSteps, study.Seed);
        var baseModel = study.TrainBase();
        var rows = new List<Dictionary<string, object>> { Row("none (base model)", study.RunAttack(baseModel, pgd)) };
        var seconds = new Dictionary<string, double>();
        foreach (var method in methods)
        {
            string dir = Path.Combine(study.OutDir, "advtrain-" + method);
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true); // timed from scratch, never a reused run
            var sw = Stopwatch.StartNew();
            var model = study.TrainAdversarial(method, dir);
            seconds[method] = sw.Elapsed.TotalSeconds;
            var row = Row(method, study.RunAttack(model, pgd));
            row["seconds"] = Math.Round(seconds[method], 1);
            var meta = study.Meta(dir);
            row["epochs"] = meta.Epoch;
            row["stopped_early"] = meta.StoppedEarly ?? "";
            rows.Add(row);
        }
        return new Dictionary<string, object>
        {
            ["bench"] = "advtrain",
            ["profile"] = study.Profile.Name,
            ["corpus"] = study.Source.Name,
            ["arch"] = study.Settings.Arch,
            ["split"] = "test",
            ["eps"] = study.AdversarialEps,
            ["attack"] = $"pgd-{study.PgdSteps}",
            ["threads"] = get_num_threads(),
            ["methods"] = rows,
            // How many times faster than PGD adversarial training (only when pgd was among the methods).
            ["speedup_vs_pgd"] = seconds.ContainsKey("pgd")
                ? seconds.ToDictionary(s => s.Key, s => Math.Round(seconds["pgd"] / s.Value, 2))
                : new Dictionary<string, double>(),
        };
    }

    static Dictionary<string, object> Row(string method, AttackResult r) =>
        new()
        {
            ["method"] = method,
            ["clean_accuracy"] = Math.Round(r.CleanAccuracy, 4),
            ["robust_accuracy"] = Math.Round(r.SegmentRobustAccuracy, 4),
            ["robust_piece_accuracy"] = Math.Round(r.PerformanceRobustAccuracy, 4),
            ["robust_realized_accuracy"] = Math.Round(r.RealizedSegmentAccuracy, 4),
        };

    /// <summary>GFLOP/s of a 2048 × 2048 matrix product (median of 5 after a warm-up): the device's practical
    /// peak, in TF32 when <paramref name="tf32"/> (CUDA only).</summary>
    static double PeakGflops(Device device, ScalarType type, bool tf32 = false)
    {
        const int n = 2048;
        using var scope = NewDisposeScope();
        using var random = RandomStream.Of(0, "bench-peak");
        var a = random.Uniform([n, n], device).to(type);
        var b = random.Uniform([n, n], device).to(type);
        bool matmulTf32 = device.type == DeviceType.CUDA && backends.cuda.matmul.allow_tf32;
        if (device.type == DeviceType.CUDA)
            backends.cuda.matmul.allow_tf32 = tf32;
        try
        {
            return MedianMatmulGflops(device, a, b, n);
        }
        finally
        {
            if (device.type == DeviceType.CUDA)
                backends.cuda.matmul.allow_tf32 = matmulTf32;
        }
    }

    static double MedianMatmulGflops(Device device, Tensor a, Tensor b, int n)
    {
        matmul(a, b).Dispose();
        var times = Enumerable
            .Range(0, 5)
            .Select(_ =>
            {
                var sw = Stopwatch.StartNew();
                using var c = matmul(a, b);
                if (device.type == DeviceType.CUDA)
                    cuda.synchronize();
                return sw.Elapsed.TotalSeconds;
            })
            .Order()
            .ToList();
        return 2.0 * n * n * n / times[2] / 1e9;
    }

    /// <summary>Segments per second over the median timed iteration, on fresh random rolls each time.</summary>
    sealed class Rates(Device device, int batch, int iters)
    {
        readonly RandomStream _random = RandomStream.Of(0, "bench");

        Tensor Input(int b) => (_random.Uniform([b, 2, 400, 128], device) * InputScaling.RawUnit(2, device)).round();

        Tensor Labels(int b) => (_random.Uniform([b], device) * 13).floor().to_type(ScalarType.Int64);

        public double Train(nn.Module<Tensor, Tensor> model)
        {
            var opt = optim.SGD(model.parameters(), 0.01, 0.9, weight_decay: 1e-4);
            var loss = nn.CrossEntropyLoss();
            return Rate(
                batch,
                (x, y) =>
                {
                    opt.zero_grad();
                    loss.forward(model.forward(x), y).backward();
                    opt.step();
                },
                warm: 2
            );
        }

        public double Eval(nn.Module<Tensor, Tensor> m, int b)
        {
            using var g = no_grad();
            return Rate(b, (x, _) => m.forward(x));
        }

        public double Attack(Attack a, nn.Module<Tensor, Tensor> m) => Rate(batch, (x, y) => a.Perturb(m, x, y));

        /// <summary>The same attack one segment at a time (what batching saves).</summary>
        public double AttackOneByOne(Attack a, nn.Module<Tensor, Tensor> m) =>
            Rate(
                batch,
                (x, y) =>
                {
                    for (int i = 0; i < batch; i++)
                        a.Perturb(m, x[i..(i + 1)], y[i..(i + 1)]);
                },
                warm: 0
            );

        double Rate(int b, Action<Tensor, Tensor> step, int warm = 1)
        {
            double Once()
            {
                using var s = NewDisposeScope();
                var x = Input(b);
                var y = Labels(b);
                Sync();
                var sw = Stopwatch.StartNew();
                step(x, y);
                Sync();
                return sw.Elapsed.TotalSeconds;
            }
            for (int i = 0; i < warm; i++)
                Once();
            var t = Enumerable.Range(0, iters).Select(_ => Once()).Order().ToList();
            return b / t[t.Count / 2];
        }

        void Sync()
        {
            if (device.type == DeviceType.CUDA)
                cuda.synchronize();
        }
    }
}

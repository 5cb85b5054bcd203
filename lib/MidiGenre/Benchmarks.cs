using System.Diagnostics;
using MidiGenre.Attacks;
using MidiGenre.Models;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre;

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
        var model = ModelFactory.Create(arch, 2, 13).to(device);
        var opt = optim.SGD(model.parameters(), 0.01, 0.9, weight_decay: 1e-4);
        var loss = nn.CrossEntropyLoss();
        Tensor Input(int b) =>
            (
                rand(b, 2, 400, 128, device: device)
                * tensor(new float[] { 1, 127 }, device: device).reshape(1, 2, 1, 1)
            ).round();
        Tensor Labels(int b) => randint(0, 13, b, device: device);
        double Median(Func<double> f, int warm)
        {
            for (int i = 0; i < warm; i++)
                f();
            var t = Enumerable.Range(0, iters).Select(_ => f()).Order().ToList();
            return t[t.Count / 2];
        }
        double Time(Action a)
        {
            Sync(device);
            var sw = Stopwatch.StartNew();
            a();
            Sync(device);
            return sw.Elapsed.TotalSeconds;
        }

        // Segments per second over the median timed iteration, on fresh random inputs each time.
        double EvalRate(nn.Module<Tensor, Tensor> m, int b) =>
            b
            / Median(
                () =>
                {
                    using var s = NewDisposeScope();
                    using var g = no_grad();
                    var x = Input(b);
                    return Time(() => m.forward(x));
                },
                1
            );
        double AttackRate(Attack a, nn.Module<Tensor, Tensor> m) =>
            batch
            / Median(
                () =>
                {
                    using var s = NewDisposeScope();
                    var x = Input(batch);
                    var y = Labels(batch);
                    return Time(() => a.Perturb(m, x, y));
                },
                1
            );

        model.train();
        double train =
            batch
            / Median(
                () =>
                {
                    using var s = NewDisposeScope();
                    var x = Input(batch);
                    var y = Labels(batch);
                    return Time(() =>
                    {
                        opt.zero_grad();
                        loss.forward(model.forward(x), y).backward();
                        opt.step();
                    });
                },
                2
            );
        model.eval();
        // Batch 32 matches the peer script; `small` is the batch our CPU evaluation uses (Evaluator.InferenceBatch).
        int small = Evaluation.Evaluator.InferenceBatch(device);
        double eval = EvalRate(model, 32),
            evalSmall = EvalRate(model, small),
            fgsm = AttackRate(new Fgsm(0.05), model);
        var pgd = new Pgd(0.05, 0.01, 10, Norm.LInf, randomStart: false);
        double pgdRate = AttackRate(pgd, model);
        var result = new Dictionary<string, object>
        {
            ["impl"] = "midigenre-torchsharp",
            ["arch"] = arch,
            ["device"] = device.type.ToString(),
            ["threads"] = get_num_threads(),
            ["allocator"] = Native.CpuMemoryTuning.Summary,
            ["train_seg_per_s"] = Math.Round(train, 2),
            ["eval_seg_per_s"] = Math.Round(eval, 2),
            [$"eval_b{small}_seg_per_s"] = Math.Round(evalSmall, 2),
            ["fgsm_seg_per_s"] = Math.Round(fgsm, 2),
            ["pgd10_seg_per_s"] = Math.Round(pgdRate, 2),
        };
        if (perSegment)
        {
            double loopRate =
                batch
                / Median(
                    () =>
                    {
                        using var s = NewDisposeScope();
                        var x = Input(batch);
                        var y = Labels(batch);
                        return Time(() =>
                        {
                            for (int i = 0; i < batch; i++)
                                pgd.Perturb(model, x[i..(i + 1)], y[i..(i + 1)]);
                        });
                    },
                    0
                );
            result["pgd10_per_segment_loop_seg_per_s"] = Math.Round(loopRate, 2);
            result["batched_speedup"] = Math.Round(pgdRate / loopRate, 2);
        }
        if (bf16) // last: converts the model
        {
            result["cpu_native_bf16"] = Bf16Inference.CpuHasNativeBf16();
            var half = new Bf16Inference(model);
            half.eval();
            result["eval_bf16_seg_per_s"] = Math.Round(EvalRate(half, 32), 2);
            result[$"eval_b{small}_bf16_seg_per_s"] = Math.Round(EvalRate(half, small), 2);
            result["pgd10_bf16_seg_per_s"] = Math.Round(AttackRate(pgd, half), 2);
        }
        return result;
    }

    static void Sync(Device d)
    {
        if (d.type == DeviceType.CUDA)
            cuda.synchronize();
    }
}

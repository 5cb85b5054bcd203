using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Tests;

/// <summary>
/// TorchSharp 0.107 turns a number operand (<c>x * 2.0</c>, the implicit <c>alpha = 1</c> of <c>a + a</c>) into a
/// temporary <c>Scalar</c> nothing disposes. Unpatched, that object is unreachable while the native call that reads it
/// still runs, so a garbage collection in that window frees it under the call (a use-after-free: "alpha must not be
/// a floating point number", "Unknown scalar type", wrong values). The build ships a TorchSharp.dll whose methods
/// keep their arguments alive until they return (build/TorchSharpKeepAlive); these tests fail without it.
/// </summary>
[Collection("torch")]
public class ScalarLifetimeTests
{
    [Fact]
    public void Number_operands_survive_garbage_collections_during_the_native_call()
    {
        // Large enough that each native call takes a while: the window in which a collection can free its operand.
        const long length = 100_000;
        using var a = arange(0L, length); // int64: a floating alpha would be refused by libtorch
        using var f = linspace(0.5, 4.0, length);
        using Scalar two = 2L,
            four = 4L,
            twoF = 2.0; // kept alive and disposed here: the expected values are right
        using var twice = a.mul(two);
        using var fourTimes = a.mul(four);
        using var doubled = f.mul(twoF);
        using var stop = new CancellationTokenSource();
        // Another thread collecting the young generation (where the temporaries are) about a thousand times a second
        // opens the window often (unpatched: about 2 errors a second here); back-to-back collections would starve the
        // loop instead.
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(0);
                Thread.Sleep(1);
            }
        })
        {
            IsBackground = true,
        };
        var errors = new List<string>();
        long iterations = 0;
        collector.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            while (!Enough(clock.Elapsed, iterations) && errors.Count < 20)
            {
                iterations++;
                try
                {
                    using var scope = NewDisposeScope();
                    Expect(errors, "a + a", a + a, twice);
                    Expect(errors, "f * 2.0", f * 2.0, doubled);
                    Expect(errors, "(a * 3).add_(a)", (a * 3).add_(a), fourTimes);
                }
                catch (Exception e)
                {
                    errors.Add($"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.True(
            errors.Count == 0,
            $"{errors.Count} libtorch errors or wrong values in {iterations} iterations "
                + $"({clock.Elapsed.TotalSeconds:F1} s), first: {string.Join(" | ", errors.Take(3))}"
        );
        Assert.True(iterations > 300, $"only {iterations} iterations: the loop did not exercise the race");
    }

    [Fact]
    public void The_TorchSharp_assembly_loaded_is_the_one_that_keeps_arguments_alive()
    {
        var meta = typeof(Tensor)
            .Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .SingleOrDefault(m => m.Key == "MidiGenre.KeepAlive");
        Assert.NotNull(meta);
        Assert.True(int.Parse(meta.Value!) > 1000, $"only {meta.Value} methods patched");
    }

    /// <summary>At least 5 s and 2 000 iterations (unpatched, about 5 errors are expected in that many), at most 30 s
    /// on a machine busy with other tests.</summary>
    static bool Enough(TimeSpan elapsed, long iterations) =>
        elapsed >= TimeSpan.FromSeconds(30) || (elapsed >= TimeSpan.FromSeconds(5) && iterations >= 2000);

    static void Expect(List<string> errors, string what, Tensor got, Tensor want)
    {
        if (!got.allclose(want, rtol: 0, atol: 0))
            errors.Add($"{what} gave a wrong value");
    }
}

using System.CommandLine;
using MidiGenre.Experiments;

namespace MidiGenre.Cli.Commands;

/// <summary>`midigenre doctor [--smoke]`: what this machine offers, and whether each kind of work runs on it.</summary>
static class DoctorCommand
{
    public static Command Create()
    {
        var smoke = new Option<bool>("--smoke")
        {
            Description =
                "Also run, on every device (CPU and each CUDA GPU), on tiny data: one training step of each "
                + "architecture the profiles use, evaluation (fp32, bf16), every registered attack (and each targeted "
                + "one) as a sweep runs it, one training epoch under every registered defense, a killed and resumed "
                + "run, robust validation and the overfitting guard, saliency and realisation as MIDI (about 20 s on "
                + "2 cores); exit 1 naming each step that failed",
        };
        var cmd = new Command(
            "doctor",
            "Devices, where libtorch came from and its version, CUDA and cuDNN, TF32 and determinism settings, "
                + "threads; with --smoke, a check that every kind of work runs on every device"
        )
        {
            smoke,
        };
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                foreach (var (name, value) in Doctor.Describe())
                    Console.WriteLine($"{name, -32} {value}");
                if (!r.GetValue(smoke))
                    return 0;
                Console.WriteLine();
                var checks = Doctor.Smoke(c =>
                    Console.WriteLine(
                        $"{(c.Passed ? "ok  " : "FAIL")} {c.Device, -7} {c.Step, -32} {c.Seconds, 6:F2} s"
                            + (c.Passed ? "" : "  " + c.Error)
                    )
                );
                var failed = checks.Where(c => !c.Passed).ToList();
                if (failed.Count == 0)
                {
                    Console.WriteLine($"all {checks.Count} steps passed");
                    return 0;
                }
                return Common.Fail(
                    $"{failed.Count} of {checks.Count} steps failed: "
                        + string.Join("; ", failed.Select(c => $"{c.Step} on {c.Device}"))
                );
            })
        );
        return cmd;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Experiments;

namespace MidiGenre.Cli.Commands;

static class BenchCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var cmd = new Command(
            "bench",
            "Benchmarks that print one JSON line each (compare with the peer scripts on the same machine)"
        );
        cmd.Add(Encode());
        cmd.Add(ModelBench());
        cmd.Add(AdvTrainBench());
        return cmd;
    }

    static Command AdvTrainBench()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var profile = Common.Profile("the base and retrained models");
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods ({string.Join(", ", Defenses.DefenseSpec.Methods)})",
            DefaultValueFactory = _ => string.Join(",", Defenses.DefenseSpec.Methods),
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for the base model and one run per method (each method is retrained from scratch)",
            DefaultValueFactory = _ => Path.Combine("artifacts", "bench-advtrain"),
        };
        var seed = new Option<int>("--seed") { Description = "Seed of everything", DefaultValueFactory = _ => 0 };
        var d = new DataOptions();
        var cmd = new Command(
            "advtrain",
            "Adversarial-training methods side by side, in one run: training seconds, clean and PGD-robust accuracy "
                + "(tensor and realised as MIDI) on the test split, speed-up over PGD training (one JSON line)"
        )
        {
            profile,
            methods,
            output,
            seed,
        };
        d.AddTo(cmd);
        cmd.SetAction(r =>
            Common.Guard(() =>
            {
                var list = r.GetValue(methods)!
                    .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                foreach (var m in list.Where(m => !Defenses.DefenseSpec.Methods.Contains(m)))
                    throw new UsageException(
                        $"--methods: unknown method '{m}' (use " + $"{string.Join(", ", Defenses.DefenseSpec.Methods)})"
                    );
                var p = Common.ProfileOf(r, profile);
                var study = new Study(new RunSpec(p.Name, r.GetValue(output)!, d.Source(r, p), r.GetValue(seed)))
                {
                    Log = s => Console.Error.WriteLine(s),
                };
                Console.WriteLine(JsonSerializer.Serialize(Benchmarks.AdversarialTrainingMethods(study, list)));
                return 0;
            })
        );
        return cmd;
    }

    static Command ModelBench()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var arch = new Option<string>("--arch") { Description = "Architecture", DefaultValueFactory = _ => "resnet50" };
        arch.AcceptOnlyFromAmong([.. Models.ModelFactory.Architectures]);
        var batch = new Option<int>("--batch")
        {
            Description = "Training / attack batch size (evaluation uses 32)",
            DefaultValueFactory = _ => 8,
        };
        var iters = new Option<int>("--iters")
        {
            Description = "Timed iterations (median reported)",
            DefaultValueFactory = _ => 5,
        };
        var loop = new Option<bool>("--per-segment")
        {
            Description = "Also time PGD-10 one segment at a time, as the paper's code did",
        };
        var bf16 = new Option<bool>("--bf16")
        {
            Description = "Also time evaluation and PGD-10 with the model in bfloat16",
        };
        var cmd = new Command(
            "model",
            "Model throughput on random (B, 2, 400, 128) rolls: train, eval and PGD-10 segments/s and GFLOP/s beside "
                + "this CPU's measured peak (compare: the PyTorch peer ../shared/bench/peer_model.py)"
        )
        {
            arch,
            batch,
            iters,
            loop,
            bf16,
        };
        cmd.SetAction(r =>
        {
            var result = Benchmarks.ModelThroughput(
                r.GetValue(arch)!,
                r.GetValue(batch),
                r.GetValue(iters),
                r.GetValue(loop),
                r.GetValue(bf16)
            );
            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        });
        return cmd;
    }

    static Command Encode()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var dir = new Option<string?>("--dir")
        {
            Description = "Encode the MIDI files under this folder (default: a generated corpus)",
        };
        var pieces = new Option<int>("--pieces")
        {
            Description = "Pieces per composer of the generated corpus",
            DefaultValueFactory = _ => 20,
        };
        var peer = new Option<bool>("--peer")
        {
            Description = "Also time the Python peer (bench/peer_encode.py: mido + numpy) on the same files",
        };
        var cmd = new Command(
            "encode",
            "Encoder throughput: files/s and notes/s on all cores; extrapolates to MAESTRO's ~7 million notes"
        )
        {
            dir,
            pieces,
            peer,
        };
        cmd.SetAction(r =>
        {
            string root = r.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), $"midigenre-bench-{r.GetValue(pieces)}");
            if (r.GetValue(dir) == null && !File.Exists(Path.Combine(root, SyntheticCorpus.CatalogName)))
                SyntheticCorpus.Generate(
                    root,
                    SyntheticCorpusOptions.Default with
                    {
                        PiecesPerComposer = r.GetValue(pieces),
                        MinSeconds = 300,
                        MaxSeconds = 700,
                    }
                );
            string outDir = Path.Combine(Path.GetTempPath(), $"midigenre-bench-out-{Environment.ProcessId}");
            var result = new Dictionary<string, object>
            {
                ["impl"] = "midigenre",
                ["threads"] = Environment.ProcessorCount,
            };
            // Both output formats: dense rolls (.npy, what `encode` writes by default) and note spans (what the cache
            // keeps). Same parsing and encoding; they differ in what is written.
            var rates = new Dictionary<EncodeFormat, double>();
            foreach (var format in new[] { EncodeFormat.Roll, EncodeFormat.Notes })
            {
                var items = EncodeJob.Plan([root], outDir, format);
                EncodeJob.Run(items.Take(4).ToList(), EncodeOptions.Default, format); // warm-up: JIT and file cache
                var sw = Stopwatch.StartNew();
                var records = EncodeJob.Run(items, EncodeOptions.Default, format);
                double seconds = sw.Elapsed.TotalSeconds;
                long notes = records.Sum(x => (long)x.Notes);
                rates[format] = notes / seconds;
                string suffix = format == EncodeFormat.Roll ? "" : "_notes_format";
                result["files"] = records.Count;
                result["failed"] = records.Count(x => x.Status == EncodeStatus.Failed);
                result["notes"] = notes;
                result["seconds" + suffix] = Math.Round(seconds, 3);
                result["notes_per_s" + suffix] = Math.Round(rates[format]);
                result["output_mb" + suffix] = Math.Round(records.Sum(x => new FileInfo(x.Output).Length) / 1e6, 1);
                Directory.Delete(outDir, recursive: true);
            }
            result["maestro_7M_notes_s"] = Math.Round(7_000_000 / rates[EncodeFormat.Notes], 1);
            if (r.GetValue(peer))
            {
                // Whole processes, start-up included: `midigenre encode` (writing its files and report) in each format
                // against the peer script (encoding in memory, writing nothing), each timed from launch to exit.
                var whole = new Dictionary<string, double>();
                foreach (var format in new[] { "roll", "notes" })
                {
                    whole[format] = WholeProcess(
                        Environment.ProcessPath!,
                        ["encode", root, "--out", outDir + "-process", "--format", format]
                    );
                    Directory.Delete(outDir + "-process", recursive: true);
                }
                var sw2 = Stopwatch.StartNew();
                double? peerRate = RunPeer(root);
                double peerSeconds = sw2.Elapsed.TotalSeconds;
                if (peerRate is double pr)
                {
                    result["peer_notes_per_s"] = Math.Round(pr);
                    result["ratio_vs_peer"] = Math.Round(rates[EncodeFormat.Roll] / pr, 1);
                    result["ratio_vs_peer_notes_format"] = Math.Round(rates[EncodeFormat.Notes] / pr, 1);
                    result["peer_whole_process_seconds"] = Math.Round(peerSeconds, 2);
                    result["whole_process_seconds"] = Math.Round(whole["roll"], 2);
                    result["whole_process_seconds_notes_format"] = Math.Round(whole["notes"], 2);
                    result["whole_process_ratio_vs_peer"] = Math.Round(peerSeconds / whole["roll"], 1);
                    result["whole_process_ratio_vs_peer_notes_format"] = Math.Round(peerSeconds / whole["notes"], 1);
                }
                else
                    result["peer"] =
                        "unavailable (needs /usr/bin/python3 with mido and numpy: apt-get "
                        + "install python3-mido python3-numpy)";
            }
            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        });
        return cmd;
    }

    static double WholeProcess(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        err.Wait();
        return p.ExitCode == 0
            ? sw.Elapsed.TotalSeconds
            : throw new InvalidOperationException($"{exe} {string.Join(' ', args)} exited {p.ExitCode}");
    }

    static double? RunPeer(string root)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "bench", "peer_encode.py");
        if (!File.Exists(script))
            return null;
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, root])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                return null;
            using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            return doc.RootElement.GetProperty("notes_per_s").GetDouble();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }
}

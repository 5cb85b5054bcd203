using System.CommandLine;
using MidiGenre.Encoding;

namespace MidiGenre.Cli.Commands;

static class EncodeCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "MIDI files or folders (walked recursively for .mid/.midi)",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Output folder for the encoded files and encode-report.csv",
            Required = true,
        };
        var format = new Option<string>("--format")
        {
            Description =
                "roll: dense .npy, uint8, shape (2, T, 128); notes: the same roll as note spans, .notes.npy, int32, "
                + "shape (N, 4), columns onset bin, length in bins, pitch, velocity "
                + "(~16× smaller; what the cache keeps)",
            DefaultValueFactory = _ => "roll",
        };
        format.AcceptOnlyFromAmong("roll", "notes");
        var noDrums = Common.NoDrums();
        var sustain = Common.Sustain();
        var cmd = new Command(
            "encode",
            "Encode MIDI files into 2-channel piano rolls (.npy, uint8, shape (2, T, 128)) or their note spans; "
                + "writes OUT/encode-report.csv"
        )
        {
            inputs,
            output,
            format,
            noDrums,
            sustain,
        };
        cmd.SetAction(r =>
        {
            var encodeFormat = r.GetValue(format) == "notes" ? EncodeFormat.Notes : EncodeFormat.Roll;
            string outDir = r.GetValue(output)!;
            var missing = r.GetValue(inputs)!.Where(i => !File.Exists(i) && !Directory.Exists(i)).ToList();
            var items = EncodeJob.Plan(
                r.GetValue(inputs)!.Where(i => File.Exists(i) || Directory.Exists(i)),
                outDir,
                encodeFormat
            );
            foreach (var m in missing)
                Console.Error.WriteLine($"warning: {m}: no such file or folder");
            Directory.CreateDirectory(outDir);
            var records = Common.WithProgress(
                "encode",
                items.Count,
                step => EncodeJob.Run(items, Common.Encode(r, noDrums, sustain), encodeFormat, onDone: _ => step(1))
            );
            var all = records
                .Concat(
                    missing.Select(m => new EncodeRecord(m, "", EncodeStatus.Failed, 0, 0, "no such file or folder"))
                )
                .ToList();
            EncodeJob.WriteReport(Path.Combine(outDir, "encode-report.csv"), all);
            int ok = all.Count(x => x.Status != EncodeStatus.Failed);
            foreach (var f in all.Where(x => x.Status == EncodeStatus.Failed))
                Console.Error.WriteLine($"failed: {f.Error}");
            Console.WriteLine($"encoded {ok} of {all.Count} file(s), {all.Sum(x => (long)x.Notes)} notes → {outDir}");
            return ok > 0 ? 0 : 1;
        });
        return cmd;
    }
}

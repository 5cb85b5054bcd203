using System.CommandLine;
using MidiGenre.Data;

namespace MidiGenre.Cli.Commands;

static class PipelineCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "smoke (seconds) | cpu (minutes) | paper (ResNet-50, GPU)", DefaultValueFactory = _ => "cpu" };
        profile.AcceptOnlyFromAmong("smoke", "cpu", "paper");
        var output = new Option<string>("--out", "-o") { Description = "Output folder: report.json, attacks.csv, checkpoints, MIDI examples", DefaultValueFactory = _ => Path.Combine("artifacts", "pipeline") };
        var data = new Option<string>("--data") { Description = "Data folder (synthetic corpus and cache)", DefaultValueFactory = _ => "data" };
        var maestro = new Option<string?>("--maestro") { Description = "Use MAESTRO v2.0.0 from this folder instead of the synthetic corpus" };
        var seed = Common.Seed();
        var cmd = new Command("pipeline", "The whole study: prepare → train → evaluate → FGSM/PGD sweeps → adversarial retraining → re-attack; writes OUT/report.json")
            { profile, output, data, maestro, seed };
        cmd.SetAction(r =>
        {
            string p = r.GetValue(profile)!;
            var pipeline = new Pipeline(p, r.GetValue(output)!, DataSource.ForProfile(p, r.GetValue(data)!, r.GetValue(maestro)), r.GetValue(seed))
            {
                Log = s => Console.WriteLine(s),
            };
            try
            {
                var report = pipeline.Run();
                Console.WriteLine($"clean piece accuracy {report.Clean.PieceAccuracy:P1}, weighted F1 {report.Clean.WeightedF1:F3}; {report.Seconds:F0} s");
                return 0;
            }
            catch (Exception e) when (e is CatalogFormatException or DirectoryNotFoundException or FileNotFoundException)
            {
                return Common.Fail(e.Message);
            }
        });
        return cmd;
    }
}

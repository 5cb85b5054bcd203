using System.CommandLine;
using MidiGenre.Data;

namespace MidiGenre.Cli.Commands;

static class PipelineCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "smoke | cpu | paper", DefaultValueFactory = _ => "cpu" };
        profile.AcceptOnlyFromAmong("smoke", "cpu", "paper");
        var output = new Option<string>("--out", "-o") { Description = "Output folder (report, checkpoints)", DefaultValueFactory = _ => Path.Combine("artifacts", "pipeline") };
        var data = new Option<string>("--data") { Description = "Data folder (synthetic corpus and cache)", DefaultValueFactory = _ => "data" };
        var maestro = new Option<string?>("--maestro") { Description = "Use MAESTRO from this folder instead of the synthetic corpus" };
        var seed = Common.Seed();
        var cmd = new Command("pipeline", "The whole study on one dataset: corpus → prepare → summary of classes and split") { profile, output, data, maestro, seed };
        cmd.SetAction(async (r, cancel) =>
        {
            string p = r.GetValue(profile)!;
            var corpus = p == "smoke" ? SyntheticCorpusOptions.Smoke : SyntheticCorpusOptions.Default;
            string dataDir = r.GetValue(data)!;
            string synth = Path.Combine(dataDir, p == "smoke" ? "synthetic-smoke" : "synthetic");
            try
            {
                Catalog catalog;
                if (r.GetValue(maestro) is string m) catalog = await PrepareCommand.LoadCatalog(m, false, synth, null, 1, cancel);
                else { Common.EnsureSynthetic(synth, corpus); catalog = Catalog.Load(synth); }
                var cache = new RollCache(Path.Combine(dataDir, "cache"));
                PrepareCommand.Run(catalog, cache);
                var split = DataSplit.Stratified(catalog.Entries, 0.7, r.GetValue(seed));
                Console.WriteLine($"split (seed {r.GetValue(seed)}): {split.Train.Count} train / {split.Validation.Count} validation performances, " +
                                  $"{split.Train.Select(e => e.PieceKey).Distinct().Count()} / {split.Validation.Select(e => e.PieceKey).Distinct().Count()} pieces");
                return 0;
            }
            catch (Exception e) when (e is CatalogFormatException or DirectoryNotFoundException)
            {
                return Common.Fail(e.Message);
            }
        });
        return cmd;
    }
}

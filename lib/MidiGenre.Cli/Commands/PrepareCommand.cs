using System.CommandLine;
using MidiGenre.Data;
using MidiGenre.Encoding;

namespace MidiGenre.Cli.Commands;

static class PrepareCommand
{
    public static Command Create()
    {
        var maestro = new Option<string?>("--maestro") { Description = "MAESTRO v2.0.0 folder (holding maestro-v2.0.0.csv and YEAR/*.midi); omit for the synthetic corpus" };
        var download = new Option<bool>("--download") { Description = "Download the official MAESTRO v2.0.0 MIDI zip into --maestro first" };
        var synthetic = new Option<string>("--synthetic") { Description = "Synthetic corpus folder (generated when missing)", DefaultValueFactory = _ => Path.Combine("data", "synthetic") };
        var cache = new Option<string>("--cache") { Description = "Cache folder for encoded rolls", DefaultValueFactory = _ => Path.Combine("data", "cache") };
        var composers = new Option<string[]>("--composers") { Description = "Composer surnames to keep (default: the paper's 13 for MAESTRO, all for synthetic)", AllowMultipleArgumentsPerToken = true };
        var minPieces = new Option<int>("--min-pieces") { Description = "Keep composers with at least this many pieces", DefaultValueFactory = _ => 1 };
        var noDrums = Common.NoDrums();
        var sustain = Common.Sustain();
        var cmd = new Command("prepare", "Encode a catalog (MAESTRO or the synthetic corpus) into the roll cache, in parallel; resumable")
            { maestro, download, synthetic, cache, composers, minPieces, noDrums, sustain };
        cmd.SetAction(async (r, cancel) =>
        {
            try
            {
                var catalog = await LoadCatalog(r.GetValue(maestro), r.GetValue(download), r.GetValue(synthetic)!, r.GetValue(composers), r.GetValue(minPieces), cancel);
                var rc = new RollCache(r.GetValue(cache)!, Common.Encode(r, noDrums, sustain));
                Run(catalog, rc);
                return 0;
            }
            catch (Exception e) when (e is CatalogFormatException or DownloadException or DirectoryNotFoundException)
            {
                return Common.Fail(e.Message);
            }
        });
        return cmd;
    }

    public static async Task<Catalog> LoadCatalog(string? maestro, bool download, string synthetic, string[]? composers, int minPieces, CancellationToken cancel)
    {
        if (maestro == null)
        {
            if (download) throw new DirectoryNotFoundException("--download needs --maestro DIR to say where MAESTRO goes");
            SyntheticCorpus.EnsureGenerated(synthetic, SyntheticCorpusOptions.Default);
            return Catalog.Load(synthetic, new ComposerSelection(composers is { Length: > 0 } ? composers : null, minPieces));
        }
        if (download)
        {
            var progress = new Progress<(long Done, long? Total)>(p =>
            {
                if (p.Done % (8 << 20) < (1 << 16)) Console.Error.WriteLine($"downloaded {p.Done >> 20} MiB{(p.Total is long t ? $" of {t >> 20} MiB" : "")}");
            });
            maestro = await MaestroDownload.FetchAsync(maestro, progress: progress, cancel: cancel);
        }
        if (!Directory.Exists(maestro) && !File.Exists(maestro))
            throw new DirectoryNotFoundException($"{maestro} does not exist; pass the folder that holds maestro-v2.0.0.csv, or add --download");
        return Catalog.Load(maestro, new ComposerSelection(composers is { Length: > 0 } ? composers : ComposerSelection.Paper13, minPieces));
    }

    public static IReadOnlyList<EncodeRecord> Run(Catalog catalog, RollCache rc)
    {
        var records = Common.WithProgress("prepare", catalog.Entries.Count, step => rc.Prepare(catalog, _ => step(1)));
        Common.PrintTable("classes", catalog.Summary());
        int failed = records.Count(x => x.Status == EncodeStatus.Failed);
        Console.WriteLine($"{records.Count(x => x.Status == EncodeStatus.Encoded)} encoded, {records.Count(x => x.Status == EncodeStatus.Cached)} already cached, {failed} failed; " +
                          $"{records.Sum(x => (long)x.Notes)} notes, {records.Sum(x => (long)x.Frames) * PianoRoll.BinSeconds / 3600:F2} h → {rc.Directory}");
        if (failed > 0) Console.WriteLine($"failures are listed in {rc.ReportPath}");
        return records;
    }
}

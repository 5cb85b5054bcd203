using System.CommandLine;
using MidiGenre.Data;
using MidiGenre.Encoding;

namespace MidiGenre.Cli.Commands;

static class PrepareCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var d = new DataOptions();
        var download = new Option<bool>("--download")
        {
            Description = "Download the official MAESTRO v2.0.0 MIDI zip into --corpus first",
        };
        var profile = Common.Profile("which synthetic corpus stands in when no corpus is named");
        var cmd = new Command(
            "prepare",
            "Encode a corpus (MAESTRO, a catalog CSV, a folder per class, or the synthetic corpus) into the roll "
                + "cache, in parallel, resumable; the same data options as train, so what is prepared is what trains"
        )
        {
            download,
            profile,
        };
        d.AddTo(cmd);
        cmd.SetAction(
            (r, cancel) =>
                Common.Guard(async () =>
                {
                    var source = d.Source(r, Common.ProfileOf(r, profile));
                    if (r.GetValue(download))
                    {
                        if (source.Corpus == null)
                            throw new UsageException("--download needs --corpus DIR to say where MAESTRO goes");
                        var progress = new Progress<(long Done, long? Total)>(p =>
                        {
                            if (p.Done % (8 << 20) < (1 << 16))
                                Console.Error.WriteLine(
                                    $"downloaded {p.Done >> 20} MiB{(p.Total is long t ? $" of {t >> 20} MiB" : "")}"
                                );
                        });
                        source = source with
                        {
                            Corpus = await MaestroDownload.FetchAsync(
                                source.Corpus,
                                progress: progress,
                                cancel: cancel
                            ),
                        };
                    }
                    var catalog = source.OpenCatalog();
                    Run(catalog, source.OpenCache());
                    return 0;
                })
        );
        return cmd;
    }

    public static IReadOnlyList<EncodeRecord> Run(Catalog catalog, RollCache rc)
    {
        var records = Common.WithProgress("prepare", catalog.Entries.Count, step => rc.Prepare(catalog, _ => step(1)));
        Common.PrintTable("classes", catalog.Summary());
        int failed = records.Count(x => x.Status == EncodeStatus.Failed);
        Console.WriteLine(
            $"{records.Count(x => x.Status == EncodeStatus.Encoded)} encoded, "
                + $"{records.Count(x => x.Status == EncodeStatus.Cached)} already cached, {failed} failed; "
                + $"{records.Sum(x => (long)x.Notes)} notes, "
                + $"{records.Sum(x => (long)x.Frames) * PianoRoll.BinSeconds / 3600:F2} h → {rc.Directory}"
        );
        if (failed > 0)
            Console.WriteLine($"failures are listed in {rc.ReportPath}");
        return records;
    }
}

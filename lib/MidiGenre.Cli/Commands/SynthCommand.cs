using System.CommandLine;
using MidiGenre.Data;

namespace MidiGenre.Cli.Commands;

static class SynthCommand
{
    public static Command Create()
    {
        // Long only in lines: each option is declared here, one property per line; the action follows.
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder for the corpus",
            DefaultValueFactory = _ => Path.Combine("data", "synthetic"),
        };
        var pieces = new Option<int>("--pieces")
        {
            Description = "Pieces per composer",
            DefaultValueFactory = _ => SyntheticCorpusOptions.Default.PiecesPerComposer,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Generator seed",
            DefaultValueFactory = _ => SyntheticCorpusOptions.Default.Seed,
        };
        var design = new Option<SyntheticDesign>("--design")
        {
            Description =
                "pairings (default, the cpu profile's corpus): two voices cycling through all six textures, a composer "
                + "is which upper figure sits over each lower one, so note statistics cannot tell composers apart | "
                + "textures (the smoke profile's): one texture per composer",
            DefaultValueFactory = _ => SyntheticCorpusOptions.Default.Design,
        };
        var cmd = new Command(
            "synth",
            "Generate the embedded synthetic corpus: real .mid files and a MAESTRO-schema catalog CSV"
        )
        {
            output,
            pieces,
            seed,
            design,
        };
        pieces.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<int>() < 1)
                v.AddError("--pieces must be at least 1 (pieces per composer)");
        });
        cmd.SetAction(r =>
        {
            string csv = SyntheticCorpus.Generate(
                r.GetValue(output)!,
                SyntheticCorpusOptions.Default with
                {
                    PiecesPerComposer = r.GetValue(pieces),
                    Seed = r.GetValue(seed),
                    Design = r.GetValue(design),
                }
            );
            var catalog = Catalog.Load(csv);
            Common.PrintTable("synthetic corpus", catalog.Summary());
            Console.WriteLine($"catalog: {csv}");
            return 0;
        });
        return cmd;
    }
}

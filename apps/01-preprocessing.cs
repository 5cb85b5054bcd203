// Generated from notebooks/01-preprocessing.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/01-preprocessing.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/01-preprocessing.html: what the notebook shows, in one page.
#:project ../lib/MidiGenre/MidiGenre.csproj
#:property UsesTorchSharp=true
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using MidiGenre.Notebooks;
using System.IO;
using MidiGenre.Experiments;
using MidiGenre.Attacks;
using MidiGenre.Charts;
using MidiGenre.Data;
using MidiGenre.Encoding;
using MidiGenre.Evaluation;

return AppPage.Run(
    "01-preprocessing",
    page =>
    {
        page.Text(
            """
            # 1 · Preprocessing: from MIDI performances to piano-roll segments

            Kim et al. (ISMIR 2020) classify composers from the *symbolic* form of a performance. Each MIDI file becomes a 2-channel piano roll — channel 0 marks note **onsets** (0/1), channel 1 holds the sounding **velocity** (0…127) — on a grid of 0.05 s × 128 pitches. Each piece is then cut into windows (90 in the paper; the quick profiles take fewer, and the last cells say how many), from which 20-second (400-bin) segments are cropped.

            This notebook shows the data: the catalog and its classes, the train/validation/test split (grouped by piece), one encoded example, and the segments with augmentation.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb01-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb01-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Text(
            """
            ## The catalog
            The same code reads MAESTRO's `maestro-v2.0.0.csv`, any catalog in that schema (the synthetic corpus's `catalog.csv`, or yours with another label column) and a folder per class. With MAESTRO's composer column, collaborations (`A / B`) are dropped and classes are composers' surnames.
            """
        );
        page.Cell("nb01-cell06");
        var data = study.Data; // generates the corpus and encodes the cache on first use
        page.Show(StudyTables.Catalog(data));
        page.Text(
            """
            Pieces and hours per class: class balance matters for the weighted F1 reported later.
            """
        );
        page.Cell("nb01-cell08");
        var summary = data.Catalog.Summary();
        var composers = summary["class"].Cast<string>().ToArray();
        page.Show(Figures.Bars(composers, new Dictionary<string, double[]> {
            ["pieces"] = summary["pieces"].Cast<int>().Select(x => (double)x).ToArray(),
            ["performances"] = summary["performances"].Cast<int>().Select(x => (double)x).ToArray() },
            "Pieces and performances per class", "count", "class"));
        page.Cell("nb01-cell09");
        page.Show(Figures.Bars(composers, new Dictionary<string, double[]> { ["hours"] = summary["hours"].Cast<double>().ToArray() }, "Recorded hours per class", "hours", "class"));
        page.Text(
            """
            ## The split
            Three parts, grouped by piece: **train** fits the weights, **validation** picks the best epoch, **test** is held out for every reported figure. Performances of the same piece never straddle two parts (otherwise the model could recognise the piece rather than the composer). The catalog's own split column is used when it has one (MAESTRO's, and the synthetic corpus's); otherwise a seeded split stratified by class.
            """
        );
        page.Cell("nb01-cell11");
        page.Show(StudyTables.Split(data));
        page.Text(
            """
            ## One performance, encoded
            Times are exact integers over the merged tempo map; a note's onset bin is floor(time / 0.05 s) and its frames carry its velocity. The cache keeps each performance as these notes (onset bin, length, pitch, velocity: 16 bytes a note, about 16× smaller than the dense roll); `Load` draws the dense (2, T, 128) roll from them, exactly as training draws each segment. First the notes themselves — as the MIDI file gives them, in seconds, and where the encoder puts them, in bins:
            """
        );
        page.Cell("nb01-cell13");
        var entry = data.Split.Train[0];
        var roll = data.Cache.Load(entry);
        page.Show(StudyTables.Notes(data.Score(entry), $"The first notes of {entry.Label}: {entry.Title}, as read and as encoded"));
        page.Text(
            """
            The same notes in the roll, over one time axis: each note puts a 1 in the **onset** channel at its onset bin (top), and its velocity in the **velocity** channel over every bin it sounds (bottom) — so each onset sits right above the start of its bar. A repeated note shows as two onsets over one unbroken bar: the onset channel is what tells them apart.
            """
        );
        page.Cell("nb01-channels");
        page.Show(Figures.RollChannels(roll, $"The first 20 s of {entry.Label}: {entry.Title} — onsets and velocities ({roll.CountOnsets()} notes in all)"));
        page.Text(
            """
            **Listen** to the same 20 seconds (synthesised in the browser from the roll: onsets, lengths, velocities).
            """
        );
        page.Cell("nb01-listen-code");
        page.Show(Audio.Of($"{entry.Label}: {entry.Title}, first 20 s", ("play", roll.Slice(0, 400))));
        page.Text(
            """
            ## Segments and augmentation
            Windows of 500 bins (25 s) are spread evenly over the performance (overlapping if it is short); training reads a random 400-bin (20 s) crop of each window, evaluation the centred crop. Below, one row per window of this performance: the grey bar is the window, the blue one the crop evaluation reads; the dotted line is where the performance ends.
            """
        );
        page.Cell("nb01-cell16");
        var spec = new SegmentSpec(study.Settings.SegmentsPerPiece);
        var starts = spec.WindowStarts(roll.Frames);
        page.Show(Figures.Windows(roll.Frames, spec, $"Where the {starts.Length} segments of {entry.Title} come from ({roll.Frames * PianoRoll.BinSeconds:0} s long)"));
        page.Text(
            """
            **Augmentation.** Transposition shifts every pitch by a few semitones during training (zero-filled at the edges: a note shifted off the keyboard is dropped), so the network cannot lean on one key. Left the first segment as recorded, right the same segment up 3 semitones: the same shapes, a minor third higher.
            """
        );
        page.Cell("nb01-transpose");
        PianoRoll Crop(int semitones)
        {
            var crop = new float[2 * spec.CropBins * 128];
            SegmentReader.Copy(roll, starts[0] + spec.CentreCropOffset, spec.CropBins, crop, semitones);
            return new PianoRoll(crop.Select(v => (byte)v).ToArray(), spec.CropBins);
        }
        page.Show(Figures.RollPair(Crop(0), Crop(3), ("as recorded", "transposed up 3 semitones"), "Augmentation: the first segment and its transposed copy (velocities)"));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb01-saw-code");
        page.Show(Findings.DataSummary(data));
    }
);

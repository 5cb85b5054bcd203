// Generated from notebooks/06-musical-attacks.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/06-musical-attacks.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/06-musical-attacks.html: what the notebook shows, in one page.
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
    "06-musical-attacks",
    page =>
    {
        page.Text(
            """
            # 6 · Musical attacks

            FGSM and PGD nudge every cell of the roll. A listener hears notes, so these attacks act like a musician would:

            - **velocity** — only the loudness of notes already played changes (no note added or removed);
            - **column** — the paper's attack: in each time column, add the note whose gradient most raises the loss;
            - **chord** — the same, but only tones of the chord sounding in that window;
            - **melody** — the same, but never above the top voice, so the melody stays on top;
            - **random** — random notes at the same rate, the baseline that shows whether the gradient matters.

            They are compared on success (after realisation as MIDI) and on how much they change the music.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb06-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb06-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Cell("nb06-cell05");
        var model = study.Load(study.BaseDir); // produced by 02-training
        // velocity (ε = 0.1), column, chord, melody (one note per column), random (a note in every column)
        var results = study.RunMusicalAttacks(model);
        page.Show(StudyTables.Attacks(results, "Musical attacks (test split; success = correct segments misclassified)"));
        page.Cell("nb06-cell06");
        var names = results.Select(r => r.Attack).ToArray();
        page.Show(Figures.Bars(names, new Dictionary<string, double[]> {
            ["success (tensor)"] = results.Select(r => r.SuccessRate).ToArray(),
            ["success (realised as MIDI)"] = results.Select(r => r.RealizedSuccessRate).ToArray() }, "Success rate of musical attacks (test split)", "fraction of correct segments misclassified", "attack"));
        page.Text(
            """
            How much each attack changes the music (per 20-second segment):
            """
        );
        page.Cell("nb06-cell08");
        page.Show(Figures.PairedBars(names, ("notes added per 20-s segment", results.Select(r => r.Size.NotesAdded).ToArray()),
            ("mean |Δ velocity| of sounding cells (0–127)", results.Select(r => r.Size.MeanAbsVelocityChange).ToArray()),
            "Size of the change, realised as MIDI (test split)", "attack"));
        page.Text(
            """
            **Listen** to one test segment before and after gradient-guided note insertion (one note per 0.4-s column), realised as MIDI.
            """
        );
        page.Cell("nb06-listen-code");
        var seg = study.TestSet.Batches(1, Augmentation.Eval).First();
        var (_, before) = Realizer.Realize(seg.X);
        var (_, after) = Realizer.Realize(study.CreateAttack("column", 1).Perturb(model, seg.X, seg.Y), reference: seg.X);
        page.Show(Audio.Pair(before[0], after[0], "Note insertion, one test segment:"));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb06-saw-code");
        page.Show(Findings.MusicalSummary(results));
    }
);

// Generated from notebooks/02-training.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/02-training.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/02-training.html: what the notebook shows, in one page.
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
    "02-training",
    page =>
    {
        page.Text(
            """
            # 2 · Training the classifier

            The paper trains a ResNet-50 with two input channels (onsets, velocities) on 20-second segments: SGD with momentum 0.9, weight decay 10⁻⁴, cosine annealing, batch 40. Here the profile decides: `paper` is exactly that (on a GPU), `cpu` and `smoke` use a small ConvNet so the notebook finishes on a laptop.

            Training checkpoints every epoch (atomically) into `base/last`, keeps the best by validation performance F1 in `base/best`, and logs `metrics.csv` and TensorBoard events. Re-running this notebook resumes an interrupted run and reuses a finished one.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb02-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb02-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Text(
            """
            The model: input scaling (velocities to 0…1) lives inside it, so data and attacks share one space — raw rolls.
            """
        );
        page.Cell("nb02-cell06");
        var model0 = MidiGenre.Models.ModelFactory.Create(study.Settings.Arch, study.Settings.InputChannels, study.Data.Classes.Count);
        page.Show(StudyTables.Setup(study, MidiGenre.Models.ModelFactory.ParameterCount(model0)));
        page.Text(
            """
            **The network, layer by layer.** Each convolution slides a small kernel over time (rows, 0.05 s per bin) and pitch (columns, one semitone each); strides and pooling halve the grid, so deeper layers see more of the segment. The last column is the *receptive field*: how many bins and pitches of the input can change one cell of that layer. A feature can only relate events that fit inside its field; the global average at the end counts each feature over the whole segment, but no longer knows where in it the feature fired.
            """
        );
        page.Cell("nb02-network-code");
        page.Show(StudyTables.Network(model0, study.Settings.InputChannels, study.Settings.Arch));
        page.Text(
            """
            Train. The line below the cell updates in place about once a second (epoch, batch, loss, speed, time left); the checkpoint the later notebooks use is `best/`, the epoch with the best validation performance F1 (majority vote per file):
            """
        );
        page.Cell("nb02-cell08");
        var progress = LiveLine.Show("starting…");
        study.OnTrainProgress = progress.ForTraining("training");
        var model = study.TrainBase();
        var meta = study.Meta(study.BaseDir);
        page.Show($"trained {meta.Epoch} epochs; best validation performance F1 {meta.BestF1:F3} at epoch {meta.BestEpoch} (kept in best/, used from here on)");
        page.Text(
            """
            ## Learning curves
            Left: the loss on the training segments and on the validation segments (which training never sees). When the two part — training loss still falling, validation loss rising — the model has started to learn its training set by heart: over-fitting. Right: training accuracy, validation accuracy per segment and per performance (majority vote), and the weighted F1 the paper reports. The sentence under the chart is computed from this run's curves.
            """
        );
        page.Cell("nb02-cell10");
        page.Show(Figures.TrainingCurves(meta.History, $"Training curves: {study.Settings.Arch} on {study.Source.Name} (train and validation split)"));
        page.Show(Findings.Overfitting(meta.History));
        page.Text(
            """
            ## Checkpoints
            Everything needed to resume or reuse the run:
            """
        );
        page.Cell("nb02-cell12");
        page.Show(StudyTables.RunFolder(study, study.BaseDir));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb02-saw-code");
        page.Show(Findings.TrainingSummary(meta));
    }
);

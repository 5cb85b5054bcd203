// Generated from notebooks/03-evaluation.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/03-evaluation.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/03-evaluation.html: what the notebook shows, in one page.
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
    "03-evaluation",
    page =>
    {
        page.Text(
            """
            # 3 · Evaluation: segments, performances and composers

            A performance (one MIDI file) is classified by majority vote over its segments (ties go to the class with the higher mean softmax probability), as in the paper. This notebook compares segment- and performance-level accuracy, shows per-composer precision/recall/F1 and the confusion matrix, classifies a single MIDI file, sets the paper's numbers beside ours, and ends with three baselines the CNN has to beat.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb03-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb03-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Cell("nb03-cell05");
        var model = study.Load(study.BaseDir); // produced by 02-training
        var result = study.Evaluate(model, study.BaseDir);
        page.Show(Figures.Bars(new[] { "segment", "performance (majority vote)" }, new Dictionary<string, double[]> {
            ["accuracy"] = new[] { result.Segment.Accuracy, result.Performance.Accuracy },
            ["weighted F1"] = new[] { result.Segment.WeightedF1, result.Performance.WeightedF1 } }, "Accuracy and weighted F1 on the test split", "fraction", "level",
            chance: 1.0 / study.Data.Classes.Count));
        page.Text(
            """
            Per composer (performance level):
            """
        );
        page.Cell("nb03-cell07");
        page.Show(StudyTables.PerClass(result.Performance, "Precision, recall and F1 per class (test split, performances)"));
        page.Text(
            """
            Which composers are confused with which (rows: true composer; each row sums to 1):
            """
        );
        page.Cell("nb03-cell09");
        page.Show(Figures.Confusion(result.Performance, "Confusion matrix, test-split performances (rows normalised)"));
        page.Cell("nb03-cell10");
        page.Show(Figures.Confusion(result.Segment, "Confusion matrix, test-split segments (rows normalised)"));
        page.Text(
            """
            **What the network listens to.** For one test segment it classifies correctly and one it gets wrong: the size of the gradient of the predicted class's score with respect to each cell of the input (vanilla gradient saliency). Bright cells are where a small change in velocity or onset would move that score most; the notes are drawn over it in white. A model that learned the *texture* should light up the notes and the onsets that define it, not silence or one register.
            """
        );
        page.Cell("nb03-saliency-code");
        var segmentPredictions = Evaluator.Predict(model, study.TestSet);
        var (right, wrong) = Saliency.Examples(segmentPredictions);
        var s1 = Saliency.For(model, study.TestSet, right, study.Data.Classes);
        page.Show(Figures.Saliency(s1, $"Saliency, a correctly classified test segment: {s1.Truth} (predicted {s1.Predicted}, p = {s1.Confidence:0.00})"));
        page.Cell("nb03-saliency-wrong");
        if (wrong < 0) page.Show("every test segment is classified correctly: no wrong example to show");
        else { var s2 = Saliency.For(model, study.TestSet, wrong, study.Data.Classes);
               page.Show(Figures.Saliency(s2, $"Saliency, a misclassified test segment: {s2.Truth} taken for {s2.Predicted} (p = {s2.Confidence:0.00})")); }
        page.Text(
            """
            **Where it listens, per class.** The same gradient, now averaged over every test segment of a class that the model gets right, and over time: one column per class, one row per pitch. Each column is scaled to its own maximum, so the figure shows *which registers* each class is judged by, not which class has the largest gradients. Columns that light up the same rows mean the model tells those classes apart by something other than register.
            """
        );
        page.Cell("nb03-saliency-class");
        page.Show(Figures.SaliencyByClass(Saliency.ByClass(model, study.TestSet, study.Data.Classes), "Saliency per class and pitch: mean |gradient| over correctly classified test segments"));
        page.Text(
            """
            ## One MIDI file
            `Predictor` encodes a file, cuts it into segments, and votes — the same as `midigenre predict`.
            """
        );
        page.Cell("nb03-cell12");
        var test = study.Data.Split.Test[0];
        var (m, meta) = MidiGenre.Training.Checkpoint.LoadModel(study.BaseDir, which: study.Checkpoint);
        var file = study.Data.Catalog.MidiPath(test);
        page.Show(StudyTables.Prediction(Predictor.Predict(m, meta.Input, file), file, test.Label));
        page.Text(
            """
            **How the vote decides.** The table ranks classes by their share of the votes. Below, the same kind of decision taken apart for the first test performance: one bar per segment, stacked from its softmax probabilities (one colour per class); the name above a bar is that segment's vote. The performance goes to the class with the most votes (ties to the higher mean probability), which is why a few confused segments do not change the verdict — and why many do.
            """
        );
        page.Cell("nb03-votes");
        page.Show(Figures.Votes(segmentPredictions, 0, study.Data.Classes, study.TestSet.Pieces[0].Title));
        page.Text(
            """
            ## The paper beside this run
            Kim et al. report a weighted F1 of 0.8333 over 13 MAESTRO composers (ResNet-50, 2 channels). Numbers from different datasets are not comparable: the label says which data each row comes from.
            """
        );
        page.Cell("nb03-cell14");
        page.Show(StudyTables.PaperVsRun(study, result));
        page.Text(
            """
            **Yardsticks.** Could a classifier that never sees the roll as an image do as well? Three, all fitted on the train split, tuned on validation and voted per performance like the CNN, on the same test split:
            - **music features + gradient-boosted trees** — what a music-information-retrieval reviewer tries first: the pitch and pitch-class histograms and four scalars below, plus the distributions of inter-onset intervals, note lengths, onset velocities and melodic intervals of the top voice, the autocorrelation of the onset train (rhythmic periodicity), and what sounds together — the intervals between notes sounding at each onset and their interval classes, how many pitches sound at once, how often a major, minor, diminished or augmented triad or a seventh chord is held (jSymbolic's vertical-interval and chord features); 282 numbers per segment, classified by ML.NET's FastTree (boosted trees find interactions a linear model cannot);
            - **histograms + 4 scalars** — the share of sounding time per pitch (128) and per pitch class (12), note density, mean velocity, onset rate and mean polyphony, with a multinomial logistic regression;
            - **4 scalars** alone.

            A CNN that does not beat the strongest of them has learned nothing these statistics cannot see; the sentence under the chart says how this run compares.
            """
        );
        page.Cell("nb03-baseline-code");
        var baselines = study.Baselines(); // fitted on train, tuned on validation, scored on test; writes baseline.json
        var cnn = new[] { result.Segment.Accuracy, result.Performance.Accuracy, result.Performance.WeightedF1 };
        var bars = new Dictionary<string, double[]> { [$"CNN ({study.Settings.Arch})"] = cnn };
        foreach (var b in baselines) bars[b.Features] = new[] { b.SegmentAccuracy, b.PerformanceAccuracy, b.WeightedF1 };
        page.Show(Figures.Bars(new[] { "segment accuracy", "performance accuracy", "performance weighted F1" }, bars,
            "CNN vs baselines (test split)", "fraction", "metric", chance: 1.0 / study.Data.Classes.Count));
        var strongest = baselines.MaxBy(b => b.PerformanceAccuracy)!;
        page.Show($"On this run's test split the CNN's performance accuracy is {result.Performance.Accuracy:P1}; the strongest baseline ({strongest.Features}) reaches {strongest.PerformanceAccuracy:P1}: " +
            (result.Performance.Accuracy - strongest.PerformanceAccuracy >= 0.10 ? "the CNN sees clearly more than the statistics." : result.Performance.Accuracy > strongest.PerformanceAccuracy ? "the CNN is ahead, by less than 10 points." : "the statistics do as well as the CNN or better — on this corpus the network has found nothing they cannot see."));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb03-saw-code");
        page.Show(Findings.EvaluationSummary(result, baselines, study.Data.Classes.Count));
    }
);

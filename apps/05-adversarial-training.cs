// Generated from notebooks/05-adversarial-training.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/05-adversarial-training.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/05-adversarial-training.html: what the notebook shows, in one page.
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
    "05-adversarial-training",
    page =>
    {
        page.Text(
            """
            # 5 · Adversarial training

            Madry et al.'s defence: train on adversarial examples generated on the fly against the current weights. Here each batch mixes clean segments with PGD examples (ε = 0.05 by default), and the defended model is trained from scratch for as many epochs as the base model. `MIDIGENRE_ADV_FINETUNE=1` *fine-tunes* it from the base model of 02-training for half the epochs instead (adversarial fine-tuning, Jeddi et al. 2020): half the cost and the clean accuracy kept, but on the cpu run much less robustness (README measures both). Of its epochs, the one kept is the most robust on validation (PGD-10 robust accuracy), not the most accurate. Afterwards the base and the retrained model are attacked with the same PGD, and the whole pipeline report (`report.json`) is written.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb05-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb05-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Cell("nb05-cell05");
        var progress = LiveLine.Show("starting…");
        study.OnTrainProgress = progress.ForTraining($"adversarial training ({study.AdversarialMethod})");
        var retrained = study.TrainAdversarial();
        page.Show(Figures.TrainingCurves(study.Meta(study.AdvDir).History, $"Adversarial training ({study.AdversarialMethod}, ε={study.AdversarialEps}, mix {study.AdversarialMix}): train loss/accuracy; validation split"));
        page.Text(
            """
            **Clean against robust, epoch by epoch.** After every epoch the trainer also classifies the first 64 validation segments, then attacks them with PGD-10 at the training ε, and records both shares: correct, and correct both before and under the attack (so the robust line can never pass the clean one). Left, both per epoch; right, the same two as one path (each point an epoch). A path that climbs while it drifts left is the trade-off adversarial training makes: robustness bought with clean accuracy.
            """
        );
        page.Cell("nb05-robust");
        var history = study.Meta(study.AdvDir).History;
        page.Show(Figures.RobustTraining(history, $"Adversarial training ({study.AdversarialMethod}, ε={study.AdversarialEps}): clean vs PGD-10 robust accuracy, 64 fixed validation segments"));
        page.Show(Findings.RobustTraining(history));
        page.Text(
            """
            Clean and robust accuracy of both models at the same ε:
            """
        );
        page.Cell("nb05-cell07");
        var baseModel = study.Load(study.BaseDir); // produced by 02-training
        var cmp = study.CompareRobustness(baseModel, retrained); // PGD, AutoAttack, pgd-midi on both; PGD transferred
        page.Show(Figures.Bars(new[] { "clean", $"PGD ε={cmp.Eps} (segment)", $"PGD ε={cmp.Eps} (performance, vote)" }, new Dictionary<string, double[]> {
            ["base"] = new[] { cmp.Base.CleanAccuracy, cmp.Base.RobustAccuracy, cmp.Base.PerformanceRobustAccuracy },
            ["adversarially trained"] = new[] { cmp.Retrained.CleanAccuracy, cmp.Retrained.RobustAccuracy, cmp.Retrained.PerformanceRobustAccuracy } },
            "Base vs adversarially trained model (test split)", "accuracy (fraction)", "condition"));
        page.Text(
            """
            **Does the defense hold against a stronger attacker, and against one who never saw it?** The table attacks both models at the same ε with PGD (what the defense trained against), AutoAttack (the worst case of three diverse attacks) and pgd-midi (changes a listener could make: note velocities only). The last two rows are **transfer** attacks: PGD crafted on one model and played to the other, as an attacker would who only has a model of their own. A defense is only as good as its AutoAttack row; if a transfer attack beats the white-box one, the defended model's gradients are misleading its own attacker.
            """
        );
        page.Cell("nb05-compared-code");
        page.Show(StudyTables.Compared(cmp));
        page.Show(Findings.Transfer(cmp));
        page.Text(
            """
            **A defense for the threat model MIDI allows.** PGD training defends against ±ε on every cell of the roll, but an attacker who must hand over valid MIDI can only make notes louder or softer (`pgd-midi`), and a defense against the first need not be one against the second. The next cell trains a second model the same way and for as long as the PGD defense, but on `pgd-midi` examples, and attacks it like the others. Read the columns: each defense against the attack it trained for, and against the other's. The sentence below is computed from this run.
            """
        );
        page.Cell("nb05-defenses-code");
        study.OnTrainProgress = progress.ForTraining("adversarial training (pgd-midi)");
        var defenses = study.CompareDefenses(cmp); // trains the pgd-midi defense; base and PGD rows reused from above
        page.Show(StudyTables.Defenses(defenses));
        page.Show(Findings.Defenses(defenses));
        page.Text(
            """
            The attack curves again, now for the retrained model:
            """
        );
        page.Cell("nb05-cell09");
        var again = study.PgdCurve(retrained, cmp.RetrainedAttacks); // ε = 0.05 reused from the comparison above
        var before = study.ReadSweep().Where(r => r.Attack == "pgd").ToList(); // from 04-attacks-fgsm-pgd
        page.Show(Figures.Lines(new Dictionary<string, (double[], double[])> {
            ["base"] = (before.Select(r => r.Eps!.Value).ToArray(), before.Select(r => r.SegmentRobustAccuracy).ToArray()),
            ["adversarially trained"] = (again.Select(r => r.Eps!.Value).ToArray(), again.Select(r => r.SegmentRobustAccuracy).ToArray()) },
            "PGD robust accuracy vs ε (test-split segments)", "ε (normalised velocity; 1.0 = 127)", "accuracy (fraction)"));
        page.Text(
            """
            The pipeline report (`report.json`), assembled from the files the notebooks wrote, as one table:
            """
        );
        page.Cell("nb05-cell11");
        var report = study.WriteReport();
        page.Show(StudyTables.Report(report));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb05-saw-code");
        page.Show(Findings.DefenseSummary(cmp));
    }
);

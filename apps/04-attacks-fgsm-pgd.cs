// Generated from notebooks/04-attacks-fgsm-pgd.ipynb by `midigenre apps`: edit the notebook, then run
// `midigenre apps` again (CI checks that this file is current).
// Run: dotnet run apps/04-attacks-fgsm-pgd.cs (from the repository root; MIDIGENRE_PROFILE etc. as for the
// notebooks). It writes artifacts/apps/04-attacks-fgsm-pgd.html: what the notebook shows, in one page.
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
    "04-attacks-fgsm-pgd",
    page =>
    {
        page.Text(
            """
            # 4 · Attacks: FGSM, PGD, AutoAttack, and attacks that stay music

            How fragile is the classifier? Each attack below changes a test segment a little — by at most ε, in normalised velocity: 0.05 means ±6 velocity units (and ±0.05 on the onset channel) — and asks whether the model still names the right composer. They differ in **what the attacker is assumed to know**:

            | attack | the attacker knows | what it does |
            | --- | --- | --- |
            | **FGSM** | the model's weights (white-box) | one step of size ε along the sign of the loss gradient |
            | **PGD** | the weights | ten smaller steps from a random start, each pulled back into the ε-ball |
            | **AutoAttack** | the weights, and it may not trust them | per segment the worst of three: APGD-CE (PGD that sets its own step size, with momentum), APGD-T (the same towards the runner-up class, with a loss that saturated scores cannot hide) and Square (random search that only reads the model's scores, never a gradient) |
            | **pgd-midi** | the weights, and the rules of MIDI | PGD that only changes each existing note's one velocity, by whole units, so every step is already a valid MIDI file |

            A perturbed tensor is not music. Every adversarial example is therefore **realised**: made a valid roll — a note starts only where the onset channel says so, keeps its place and length, and gets one integer velocity (the rounded mean of its perturbed frames, as one MIDI note has one velocity) — written as a MIDI file, read back and classified again. Both success rates are reported.
            """
        );
        page.Text(
            """
            The first cell loads the compiled library (build it once with `dotnet build MidiGenre.sln -c Release`); TorchSharp's native libraries are prepared by the library itself, also on Debian 12. It also tells the kernel to show figures, tables and play controls as HTML.
            """
        );
        page.Cell("nb04-cell02");
        page.Text(
            """
            **Parameters.** `MIDIGENRE_PROFILE` picks `smoke` (seconds), `cpu` (minutes), `gpu` (ResNet-50 for 15 epochs: a teaching run within the hour on one GPU; the default when CUDA is present) or `paper` (the paper's 100 epochs). `MIDIGENRE_CORPUS` (alias `MIDIGENRE_MAESTRO`) points at a MAESTRO v2.0.0 folder, a catalog CSV in the MAESTRO schema (`MIDIGENRE_LABEL` names its label column) or a folder with one sub-folder of MIDI files per class; without it the embedded synthetic corpus is used. Every figure these notebooks report is on the held-out **test** split; the validation split only picks the checkpoint (`best/`). Results go to `MIDIGENRE_OUT` (default `artifacts/notebooks/<profile>`), where the other notebooks find them.
            """
        );
        page.Cell("nb04-cell04");
        var status = LiveLine.Show("status: ready — the study's latest step shows here while later cells run");
        var study = Study.FromEnvironment("..", status.Update);
        page.Show(study.Parameters);
        page.Cell("nb04-cell05");
        var model = study.Load(study.BaseDir); // produced by 02-training
        var sweep = study.Sweep(model); // every attack at every ε, then the sanity checks; writes attacks.json / .csv
        page.Show(StudyTables.Sweep(sweep));
        page.Text(
            """
            **Robust accuracy against ε:** the share of test segments still classified correctly. Left: the perturbed tensors as the attack left them; right: the same examples realised as MIDI. One colour per attack (a legend click hides both of its lines). Performances classified by majority vote are in the table above; the sentence under the chart says what the vote did in this run.
            """
        );
        page.Cell("nb04-cell07");
        page.Show(Figures.Robustness(sweep, "Robust accuracy vs ε (FGSM, PGD, AutoAttack, pgd-midi), test split"));
        var at = study.AtDefenseEps(sweep, "pgd");
        page.Show($"PGD at ε = {at.Eps}: {at.SegmentRobustAccuracy:P1} of segments and {at.PerformanceRobustAccuracy:P1} of performances (by vote) stay correct; " +
            (at.PerformanceRobustAccuracy > at.SegmentRobustAccuracy + 0.05 ? "the vote makes performances sturdier than single segments." : "the vote does not help: the attack fools most segments of a performance at once."));
        page.Text(
            """
            **PGD-10 against AutoAttack.** A robustness figure is only as good as the attack behind it. PGD with a fixed step and ten steps can get stuck, and a model whose gradients are uninformative (saturated, or broken on purpose) looks robust to any gradient attack while it is not. AutoAttack runs a step-size-free PGD, a targeted variant with a scale-free loss and a gradient-free random search, and counts a segment robust only if **none** of them fools it. If its row sits well below PGD's, PGD's figure was too kind; if the two agree, PGD's figure can be trusted. The sweep runs the **cheap** ensemble (`autoattack-cheap`: each APGD at twice the sweep's steps, one target class, Square at 2.5 queries per step), sized so a laptop can afford it; `autoattack-standard` has Croce & Hein's published settings (100 steps, 9 target classes, 5 000 queries; FAB-T is not built) and is the one to quote in a paper. Every result records which one made it (`Configuration`). The sentence below is computed from this run.
            """
        );
        page.Cell("nb04-autoattack-code");
        page.Show(Findings.AutoAttackGap(sweep, study.AdversarialEps));
        page.Text(
            """
            **Sanity checks** ("On Evaluating Adversarial Robustness", Carlini et al. 2019), run with the sweep on the same segments: every attack must raise the loss it climbs; with an unbounded budget robust accuracy must fall to chance; more steps must not make the model look sturdier (beyond noise: two standard errors plus one segment); and AutoAttack must not be weaker than PGD. A failed check means the figure measures the attack, not the model.
            """
        );
        page.Cell("nb04-sanity-code");
        page.Show(StudyTables.Sanity(study.ReadSweepFile().Sanity));
        page.Text(
            """
            **PGD step by step.** What the attack does on the first 32 test segments at the adversarial-training ε: each step climbs the loss of the true class (left) and flips more segments (right); the dotted lines are the clean values. Step 0 is the random start — how far noise of the same size moves the model on its own; every step after it is the gradient's work. A curve still rising at the last step says more steps would find more.
            """
        );
        page.Cell("nb04-steps");
        var trace = study.TracePgd(model);
        page.Show(Figures.PgdSteps(trace, $"PGD-{trace.Steps} at ε={trace.Eps}, step by step ({trace.Segments} test segments)"));
        page.Text(
            """
            Success before and after realisation as MIDI (share of initially-correct segments that flip), per attack. Plain PGD's success mostly vanishes when its examples are written as MIDI; pgd-midi's cannot, because its examples are MIDI from the first step.
            """
        );
        page.Cell("nb04-cell09");
        page.Show(Figures.SuccessRates(sweep, "Attack success: share of correct test segments misclassified, tensor vs as MIDI"));
        page.Show(Findings.RealisableAttack(sweep, study.AdversarialEps));
        page.Text(
            """
            ## One example, seen and heard
            Original, adversarial (realised as MIDI) and their difference for one test segment under PGD at the adversarial-training ε — one the attack fools if there is one among the first test segments; the title says what the model predicts before and after, with its probability. The MIDI pairs of the sweep are saved for listening.
            """
        );
        page.Cell("nb04-cell11");
        var pgd = study.CreateAttack("pgd", study.AdversarialEps);
        var example = AdversarialExample.Find(model, study.TestSet, study.Data.Classes, pgd); // a fooled one if there is one
        page.Show(Figures.RollDifference(example.Original, example.Adversarial, $"PGD ε={study.AdversarialEps}, one test segment of {example.Truth}: {example.Summary}"));
        page.Text(
            """
            **What MIDI kept of it.** The attack works on a tensor: it may add a little velocity to any cell, silence included, in fractions of a velocity step. A MIDI file can only carry whole velocities of notes that exist. Left, the change the attack asked for; right, what is left once the example is written as MIDI — the gap between the two panels is why plain PGD's success falls after realisation.
            """
        );
        page.Cell("nb04-realised");
        page.Show(Figures.Realisation(example, $"PGD ε={study.AdversarialEps}: the change asked for vs the change MIDI can carry ({example.Truth} test segment)"));
        page.Show(Findings.Realisation(example));
        page.Text(
            """
            **Listen:** one click plays the original segment, one the adversarial one (as realised in MIDI: what a listener would hear).
            """
        );
        page.Cell("nb04-listen-code");
        page.Show(Audio.Of($"PGD ε={study.AdversarialEps}, one {example.Truth} test segment:",
            ($"original (heard as {example.Before})", example.Original), ($"adversarial, as MIDI (heard as {example.After})", example.Adversarial)));
        page.Cell("nb04-cell12");
        page.Show(StudyTables.Files(study, study.ExamplesDir, "*.mid", "Saved MIDI examples, for listening in any player"));
        page.Text(
            """
            ## What we saw
            Computed from this run's results, so it cannot contradict the figures above.
            """
        );
        page.Cell("nb04-saw-code");
        page.Show(Findings.AttacksSummary(sweep, study.ReadSweepFile().Sanity, study.AdversarialEps));
    }
);

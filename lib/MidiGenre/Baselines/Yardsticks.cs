using MidiGenre.Data;

namespace MidiGenre.Baselines;

/// <summary>The baselines every report sets the CNN against, strongest first: music features with gradient-boosted
/// trees, pitch histograms + 4 scalars with logistic regression, and the 4 scalars alone. All fitted on train, picked
/// on validation, scored on <paramref name="split"/> (test) and voted per piece like the CNN; `baseline`, the
/// notebooks and `pipeline` all call this.</summary>
public static class Yardsticks
{
    public static List<BaselineFigures> Fit(
        SegmentDataset train,
        SegmentDataset validation,
        SegmentDataset test,
        IReadOnlyList<string> classes,
        int seed,
        string split = "test"
    ) =>
        [
            new FeatureBaseline(seed).Figures(train, validation, test, classes, split),
            .. new[] { BaselineFeatures.Histogram, BaselineFeatures.Scalars }.Select(f =>
                new HistogramBaseline(f, seed).Figures(train, validation, test, classes, split)
            ),
        ];
}

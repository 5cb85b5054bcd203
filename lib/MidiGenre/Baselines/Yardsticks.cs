using MidiGenre.Data;

namespace MidiGenre.Baselines;

/// <summary>A classifier that never sees the roll as an image: fitted on <c>train</c>, tuned on <c>validation</c>,
/// scored on <c>test</c> and voted per piece like the CNN.</summary>
public interface IBaseline
{
    BaselineFigures Figures(
        SegmentDataset train,
        SegmentDataset validation,
        SegmentDataset test,
        IReadOnlyList<string> classes,
        string split = "test"
    );
}

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
        new IBaseline[]
        {
            new FeatureBaseline(seed),
            new HistogramBaseline(BaselineFeatures.Histogram, seed),
            new HistogramBaseline(BaselineFeatures.Scalars, seed),
        }
            .Select(b => b.Figures(train, validation, test, classes, split))
            .ToList();
}

namespace MidiGenre.Data;

public enum SplitMode { Stratified, Official }

/// <summary>Train/validation assignment of catalog entries.</summary>
public sealed record DataSplit(IReadOnlyList<CatalogEntry> Train, IReadOnlyList<CatalogEntry> Validation)
{
    /// <summary>Seeded, stratified by composer, grouped by piece: all performances of a piece land on one side.
    /// Per composer, ceil(fraction × pieces) pieces go to train, but at least one to validation when there are two or more.</summary>
    public static DataSplit Stratified(IEnumerable<CatalogEntry> entries, double trainFraction = 0.7, int seed = 0)
    {
        var train = new List<CatalogEntry>();
        var validation = new List<CatalogEntry>();
        var rng = new Random(seed);
        foreach (var composer in entries.GroupBy(e => e.Composer).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pieces = composer.GroupBy(e => e.PieceKey).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
            rng.Shuffle(pieces);
            int nTrain = (int)Math.Ceiling(trainFraction * pieces.Length);
            if (pieces.Length >= 2) nTrain = Math.Min(nTrain, pieces.Length - 1);
            for (int i = 0; i < pieces.Length; i++) (i < nTrain ? train : validation).AddRange(pieces[i]);
        }
        return new DataSplit(train, validation);
    }

    /// <summary>MAESTRO's own split column: train stays train; validation and test become validation.</summary>
    public static DataSplit Official(IEnumerable<CatalogEntry> entries)
    {
        var list = entries.ToList();
        return new DataSplit(list.Where(e => e.Split == "train").ToList(), list.Where(e => e.Split != "train").ToList());
    }

    public static DataSplit Make(IEnumerable<CatalogEntry> entries, SplitMode mode, double trainFraction, int seed) =>
        mode == SplitMode.Official ? Official(entries) : Stratified(entries, trainFraction, seed);
}

namespace MidiGenre.Data;

/// <summary>How pieces are assigned to train / validation / test.</summary>
public enum SplitMode
{
    /// <summary>The catalog's own <c>split</c> column (MAESTRO's is piece-grouped by design; the synthetic corpus
    /// writes one the same way). The default whenever the catalog has one.</summary>
    Catalog,

    /// <summary>Seeded, stratified by class, grouped by piece (<see cref="DataSplit.Stratified"/>).</summary>
    Stratified,
}

/// <summary>A class has too few pieces to appear in train, validation and test.</summary>
public sealed class SplitException(string message) : Exception(message);

/// <summary>
/// Train (fits the weights) / validation (picks the checkpoint, early stopping; figures stay in metrics.csv) / test
/// (every reported figure). All performances of one piece land in one part.
/// </summary>
public sealed record DataSplit(
    IReadOnlyList<CatalogEntry> Train,
    IReadOnlyList<CatalogEntry> Validation,
    IReadOnlyList<CatalogEntry> Test,
    SplitMode Mode
)
{
    public const double ValidationFraction = 0.15,
        TestFraction = 0.2;

    /// <summary>Per class, pieces are shuffled (seeded) and dealt: round(0.2 n) to test and round(0.15 n) to
    /// validation, at least one each, the rest to train. A class with fewer than 3 pieces cannot be split.</summary>
    public static DataSplit Stratified(IEnumerable<CatalogEntry> entries, int seed = 0)
    {
        var (train, validation, test) = (new List<CatalogEntry>(), new List<CatalogEntry>(), new List<CatalogEntry>());
        var rng = Common.Seeds.Random(seed, "split");
        var tooSmall = new List<string>();
        foreach (var label in entries.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pieces = label.GroupBy(e => e.PieceKey).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
            if (pieces.Length < 3)
            {
                tooSmall.Add($"{label.Key} ({pieces.Length})");
                continue;
            }
            rng.Shuffle(pieces);
            int nTest = Math.Max(1, (int)Math.Round(TestFraction * pieces.Length));
            int nVal = Math.Max(1, (int)Math.Round(ValidationFraction * pieces.Length));
            for (int i = 0; i < pieces.Length; i++)
                (
                    i < nTest ? test
                    : i < nTest + nVal ? validation
                    : train
                ).AddRange(pieces[i]);
        }
        if (tooSmall.Count > 0)
            throw new SplitException(
                $"class(es) with fewer than 3 pieces cannot appear in train, validation and test: "
                    + $"{string.Join(", ", tooSmall)}. Add pieces, drop them with --min-pieces "
                    + $"3, or merge them into another class."
            );
        return new DataSplit(train, validation, test, SplitMode.Stratified);
    }

    /// <summary>The catalog's split column: "train", "validation", "test". Every class must appear in all
    /// three.</summary>
    public static DataSplit FromCatalog(IEnumerable<CatalogEntry> entries)
    {
        var list = entries.ToList();
        var unknown = list.Select(e => e.Split)
            .Distinct()
            .Where(s => s is not ("train" or "validation" or "test"))
            .ToList();
        if (unknown.Count > 0)
            throw new SplitException(
                $"the catalog's split column holds {string.Join(", ", unknown.Select(u => $"'{u}'"))}; "
                    + "expected train, validation or test — or use --split stratified"
            );
        var missing = list.GroupBy(e => e.Label)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
                (g.Key, Parts: new[] { "train", "validation", "test" }.Where(s => g.All(e => e.Split != s)).ToList())
            )
            .Where(x => x.Parts.Count > 0)
            .Select(x => $"{x.Key} (no {string.Join("/", x.Parts)})")
            .ToList();
        if (missing.Count > 0)
            throw new SplitException(
                $"the catalog's split column leaves class(es) out of a part: {string.Join(", ", missing)}. "
                    + "Use --split stratified, or drop them with --min-pieces."
            );
        return new DataSplit(
            list.Where(e => e.Split == "train").ToList(),
            list.Where(e => e.Split == "validation").ToList(),
            list.Where(e => e.Split == "test").ToList(),
            SplitMode.Catalog
        );
    }

    public static DataSplit Make(IEnumerable<CatalogEntry> entries, SplitMode mode, int seed) =>
        mode == SplitMode.Catalog ? FromCatalog(entries) : Stratified(entries, seed);
}

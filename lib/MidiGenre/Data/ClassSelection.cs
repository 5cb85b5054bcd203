namespace MidiGenre.Data;

/// <summary>Which labels become classes.</summary>
public sealed record ClassSelection(IReadOnlyList<string>? Names = null, int MinPieces = 1)
{
    /// <summary>The corpus kind's default (<see cref="Catalog.Load"/>): the paper's 13 composers for MAESTRO's composer
    /// column, every label otherwise.</summary>
    public bool KindDefault { get; init; }

    public static ClassSelection Default(int minPieces = 1) => new(null, minPieces) { KindDefault = true };

    /// <summary>The 13 composers kept by Kim et al. (2020).</summary>
    public static readonly IReadOnlyList<string> Paper13 =
    [
        "Scarlatti",
        "Bach",
        "Haydn",
        "Mozart",
        "Beethoven",
        "Schubert",
        "Schumann",
        "Chopin",
        "Liszt",
        "Brahms",
        "Debussy",
        "Rachmaninoff",
        "Scriabin",
    ];
    public static readonly ClassSelection Paper = new(Paper13);
    public static readonly ClassSelection All = new();

    /// <summary>"paper" (the 13 composers), a comma-separated list, "all" (every label), or null (the corpus kind's
    /// default); <paramref name="minPieces"/> applies to every choice.</summary>
    public static ClassSelection Parse(string? classes, int minPieces = 1) =>
        classes?.Trim() switch
        {
            null => Default(minPieces),
            "" or "all" => new(null, minPieces),
            "paper" => new(Paper13, minPieces),
            var list => new(
                list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                minPieces
            ),
        };
}

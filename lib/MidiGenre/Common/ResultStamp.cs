using System.Security.Cryptography;

namespace MidiGenre.Common;

/// <summary>
/// What produced a result file (attacks.json, baseline.json, robustness.json): the data (corpus and a fingerprint of
/// its classes and split), the seed, the weights (checkpoint choice and a hash of the weights file) and the work
/// (the attack sweep's spec, the compared attacks). A step reuses a file only when its stamp equals the current one;
/// otherwise it recomputes or refuses with one line naming what differs (<see cref="StaleResultException"/>).
/// </summary>
public sealed record ResultStamp(string Data, int Seed, string Weights, string Work)
{
    /// <summary>"seed 3 ≠ 0; weights best epoch 2 … ≠ …": what differs between a saved stamp and the current
    /// one, empty when they match.</summary>
    public IReadOnlyList<string> DifferencesFrom(ResultStamp current)
    {
        var d = new List<string>();
        void Compare(string name, string saved, string now)
        {
            if (saved != now)
                d.Add($"{name} {saved} ≠ {now} now");
        }
        Compare("data", Data, current.Data);
        Compare("seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{current.Seed}");
        Compare("weights", Weights, current.Weights);
        Compare("work", Work, current.Work);
        return d;
    }

    /// <summary>Refuses a file whose stamp is missing or differs from <paramref name="current"/>.</summary>
    public static void Check(ResultStamp? saved, ResultStamp current, string path, string producer)
    {
        if (saved is null)
            throw new StaleResultException(path, producer, ["it records no stamp (written by an older version)"]);
        var d = saved.DifferencesFrom(current);
        if (d.Count > 0)
            throw new StaleResultException(path, producer, d);
    }

    /// <summary>The first 12 hex digits of the SHA-256 of a file (a weights file, say); "absent" when there is
    /// none.</summary>
    public static string HashOf(string path)
    {
        if (!File.Exists(path))
            return "absent";
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
    }

    /// <summary>A 16-hex-digit fingerprint of some text lines (classes, piece ids): FNV-1a, stable across
    /// processes.</summary>
    public static string Fingerprint(IEnumerable<string> lines) => $"{Seeds.Hash(string.Join("\n", lines)):x16}";
}

/// <summary>A result file written for another data, seed, checkpoint or attack than the current run's.</summary>
public sealed class StaleResultException(string path, string producer, IReadOnlyList<string> differences)
    : Exception(
        $"{path} was written by another run ({string.Join("; ", differences)}): run {producer} again for this one"
    )
{
    public IReadOnlyList<string> Differences { get; } = differences;
}

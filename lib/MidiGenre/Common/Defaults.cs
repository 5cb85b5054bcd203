namespace MidiGenre.Common;

/// <summary>
/// The run's defaults, written once: every option, spec and example that needs one reads it here, so the CLI's help,
/// the notebooks and the library cannot drift apart. ε is in normalised velocity (1 = 127 velocity units).
/// </summary>
public static class Defaults
{
    /// <summary>The defense's ε, the budget the retrained model is compared at and MIDI examples are saved
    /// at.</summary>
    public const double Eps = 0.05;

    /// <summary>The share of each training batch made adversarial.</summary>
    public const double Mix = 0.5;

    /// <summary>TRADES's robustness weight β (Zhang et al. use 6).</summary>
    public const double Beta = 6.0;

    /// <summary>PGD steps of sweeps and defenses outside the smoke profile (PGD-10).</summary>
    public const int PgdSteps = 10;

    /// <summary>The sweep's budgets: 0 (the clean figures) and three ε.</summary>
    public static readonly IReadOnlyList<double> Epsilons = [0, 0.02, Eps, 0.1];

    /// <summary><see cref="Epsilons"/> as an option's default text ("0,0.02,0.05,0.1").</summary>
    public static string EpsilonList =>
        string.Join(",", Epsilons.Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

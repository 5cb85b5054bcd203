using System.Runtime.CompilerServices;

namespace MidiGenre.Tests;

/// <summary>Every figure the tests draw — here and in the notebooks and apps they run, which inherit the variable —
/// fails when its static image would leave out an element of the interactive chart.</summary>
static class StrictFigures
{
    [ModuleInitializer]
    internal static void Enable() => Environment.SetEnvironmentVariable("MIDIGENRE_STRICT_FIGURES", "1");
}

using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using MidiGenre.Training;

namespace MidiGenre.Notebooks;

/// <summary>
/// One line of notebook output that updates in place (a progress or status line). It publishes its first value and
/// every update under one value id of its own: in dotnet-interactive 1.0.712001 (what VS Code runs)
/// <c>display(x).Update(y)</c> sends updates under a different id, so VS Code adds them as new outputs and Jupyter
/// drops them; with one id VS Code replaces the output and Jupyter applies them as update_display_data.
/// Outside a kernel (a file-based app, where Microsoft.DotNet.Interactive is not even loaded) it writes to the
/// console: the kernel's types are touched only in methods that run inside one.
/// </summary>
public sealed class LiveLine
{
    readonly string _id = Guid.NewGuid().ToString("N");
    readonly object? _context; // a KernelInvocationContext, typed loosely so this class loads without the kernel

    LiveLine(object? context) => _context = context;

    /// <summary>Shows <paramref name="text"/> below the running cell (outside a kernel: on the console).</summary>
    public static LiveLine Show(string text)
    {
        var line = new LiveLine(InKernel ? CurrentContext() : null);
        line.Publish(text, first: true);
        return line;
    }

    /// <summary>Whether this process hosts a notebook kernel (its assembly is loaded).</summary>
    static bool InKernel =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.DotNet.Interactive");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static object? CurrentContext() => KernelInvocationContext.Current;

    /// <summary>Replaces the line's text. Callable from the cell's own callbacks (training progress, logs).</summary>
    public void Update(string text) => Publish(text, first: false);

    /// <summary>Set by <see cref="NotebookRunner"/>: nobody watches a headless run, and dotnet-repl writes every
    /// update as an output of its own, so training progress is shown once per epoch there.</summary>
    public static bool Headless => Environment.GetEnvironmentVariable(HeadlessVariable) == "1";

    public const string HeadlessVariable = "MIDIGENRE_HEADLESS";

    /// <summary>A training-progress callback for this line: about once a second (headless: once per epoch) and at the
    /// end of every epoch, the epoch, batch, running loss and accuracy, speed and an estimate of the time
    /// left.</summary>
    public Action<TrainProgress> ForTraining(string label)
    {
        bool headless = Headless;
        var clock = Stopwatch.StartNew();
        var estimate = new TimeLeft();
        double lastShown = double.NegativeInfinity;
        return p =>
        {
            double now = clock.Elapsed.TotalSeconds;
            double? seconds = estimate.After(p, now); // every report counts, shown or not
            if (p.Batch != p.Batches && (headless || now - lastShown < 1))
                return;
            lastShown = now;
            string left = seconds is double s ? $", about {Math.Ceiling(s)} s left" : "";
            Update(
                $"{label}: epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches} — loss {p.Loss:F3}, "
                    + $"accuracy {p.Accuracy:P1}, {p.SegmentsPerSecond:F1} segments/s{left}"
            );
        };
    }

    void Publish(string text, bool first)
    {
        if (_context == null)
        {
            Console.WriteLine(text);
            return;
        }
        PublishInKernel(text, first);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    void PublishInKernel(string text, bool first)
    {
        var context = (KernelInvocationContext)_context!;
        var formatted = FormattedValue.CreateManyFromObject(text, PlainTextFormatter.MimeType);
        context.Publish(
            first
                ? new DisplayedValueProduced(text, context.Command, formatted, _id)
                : new DisplayedValueUpdated(text, _id, context.Command, formatted)
        );
    }
}

using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;

namespace MidiGenre.Charts;

/// <summary>
/// Loads MidiGenre.Charts (Plotly.NET and its FSharp.Core 10.1) into a private AssemblyLoadContext so it works
/// inside notebook kernels that already run another FSharp.Core, and calls it by reflection.
/// </summary>
public static class ChartHost
{
    static readonly Lazy<Type> Charts = new(Load);

    sealed class IsolatedContext(string dir) : AssemblyLoadContext("midigenre-charts")
    {
        readonly AssemblyDependencyResolver _resolver = new(Path.Combine(dir, "MidiGenre.Charts.dll"));

        protected override Assembly? Load(AssemblyName name)
        {
            string path = Path.Combine(dir, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        /// <summary>SkiaSharp's native library (ScottPlot draws the static images) from charts/runtimes/RID/native,
        /// as the deps.json beside MidiGenre.Charts.dll says: the kernel's own probing would not look there.</summary>
        protected override IntPtr LoadUnmanagedDll(string name) =>
            _resolver.ResolveUnmanagedDllToPath(name) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }

    /// <summary>The folder holding MidiGenre.Charts.dll: charts/ beside this library, or the Charts project's build
    /// output.</summary>
    public static string FindDirectory()
    {
        string own = Path.GetDirectoryName(typeof(ChartHost).Assembly.Location) ?? AppContext.BaseDirectory;
        string beside = Path.Combine(own, "charts");
        if (File.Exists(Path.Combine(beside, "MidiGenre.Charts.dll")))
            return beside;
        // From the library's folder, then from the working directory (a file-based app builds the library elsewhere).
        var starts = new[] { own, Directory.GetCurrentDirectory() };
        foreach (var start in starts)
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                string bin = Path.Combine(d.FullName, "lib", "MidiGenre.Charts", "bin");
                if (!Directory.Exists(bin))
                    continue;
                var found = Directory
                    .GetFiles(bin, "MidiGenre.Charts.dll", SearchOption.AllDirectories)
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault();
                if (found != null)
                    return Path.GetDirectoryName(found)!;
            }
        throw new FileNotFoundException(
            $"MidiGenre.Charts.dll not found beside {own} (build the solution: dotnet build MidiGenre.sln -c Release)"
        );
    }

    static Type Load()
    {
        string dir = FindDirectory();
        var context = new IsolatedContext(dir);
        return context
            .LoadFromAssemblyPath(Path.Combine(dir, "MidiGenre.Charts.dll"))
            .GetType("MidiGenre.Charts.PlotlyCharts", throwOnError: true)!;
    }

    /// <summary>Calls a PlotlyCharts builder; returns its figure JSON as a node to polish.</summary>
    internal static JsonObject Call(string method, string title, params object[] args) =>
        JsonNode.Parse(Invoke<string>(method, [title, .. args]))!.AsObject();

    internal static string PlotlyJs() => Invoke<string>("PlotlyJs", []);

    /// <summary>A PNG likeness of a figure (ScottPlot), for viewers that run no JavaScript.</summary>
    internal static byte[] Png(JsonObject spec, int width) =>
        Invoke<byte[]>(
            Charts.Value.Assembly.GetType("MidiGenre.Charts.StaticImage", throwOnError: true)!,
            "Png",
            [spec.ToJsonString(), width]
        );

    /// <summary>What the static image of a figure would leave out (<c>ImageCoverage.GapsOf</c>), by path.</summary>
    internal static List<string> ImageGaps(JsonObject spec) =>
        Invoke<List<string>>(
            Charts.Value.Assembly.GetType("MidiGenre.Charts.ImageCoverage", throwOnError: true)!,
            "GapsOf",
            [spec.ToJsonString()]
        );

    static T Invoke<T>(string method, object[] args) => Invoke<T>(Charts.Value, method, args);

    static T Invoke<T>(Type type, string method, object[] args)
    {
        try
        {
            return (T)type.GetMethod(method)!.Invoke(null, args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw e.InnerException;
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using MidiGenre.Midi;
using static MidiGenre.Common.CsvText;

namespace MidiGenre.Encoding;

/// <summary>One MIDI file to encode: <paramref name="Source"/> as the user gave or found it, the resolved input path,
/// the output path.</summary>
public readonly record struct EncodeItem(string Source, string Input, string Output);

/// <summary>What an encoded file holds: the dense roll (.npy uint8 (2, T, 128)) or the same roll as note spans
/// (.notes.npy int32 (N, 4), see <see cref="NoteSpans"/>), ~16× smaller for piano music.</summary>
public enum EncodeFormat
{
    Roll,
    Notes,
}

public enum EncodeStatus
{
    Encoded,
    Cached,
    Failed,
}

public sealed record EncodeRecord(
    string Source,
    string Output,
    EncodeStatus Status,
    int Notes,
    int Frames,
    string Error
);

/// <summary>
/// Encodes many MIDI files into rolls (dense or as note spans) in parallel on all cores. One bad file never stops the
/// run: it becomes a <see cref="EncodeStatus.Failed"/> record with the reason. Outputs are written atomically, so a
/// killed run leaves only complete files; with <c>skipExisting</c> a re-run resumes where it stopped.
/// </summary>
public static class EncodeJob
{
    public static IReadOnlyList<EncodeRecord> Run(
        IReadOnlyList<EncodeItem> items,
        EncodeOptions options,
        EncodeFormat format = EncodeFormat.Roll,
        bool skipExisting = false,
        Action<EncodeRecord>? onDone = null,
        int? threads = null,
        CancellationToken cancel = default
    )
    {
        var results = new EncodeRecord[items.Count];
        var po = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount,
            CancellationToken = cancel,
        };
        Parallel.For(
            0,
            items.Count,
            po,
            i =>
            {
                results[i] = EncodeOne(items[i], options, format, skipExisting);
                onDone?.Invoke(results[i]);
            }
        );
        return results;
    }

    public static EncodeRecord EncodeOne(EncodeItem item, EncodeOptions options, EncodeFormat format, bool skipExisting)
    {
        // A roll older than its MIDI file belongs to an earlier version of that file.
        if (
            skipExisting
            && File.Exists(item.Output)
            && File.GetLastWriteTimeUtc(item.Output) >= File.GetLastWriteTimeUtc(item.Input)
        )
        {
            try
            {
                var (notes, frames) = ReadCounts(item.Output, format);
                return new EncodeRecord(item.Source, item.Output, EncodeStatus.Cached, notes, frames, "");
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            { /* unreadable: encode again */
            }
        }
        try
        {
            var score = MidiReader.Read(item.Input, options.ToReadOptions());
            var spans = PianoRollEncoder.Spans(score);
            if (format == EncodeFormat.Notes)
                spans.Write(item.Output);
            else
                Npy.Write(item.Output, spans.ToRoll());
            return new EncodeRecord(
                item.Source,
                item.Output,
                EncodeStatus.Encoded,
                score.Notes.Count,
                spans.Frames,
                ""
            );
        }
        catch (Exception e)
            when (e is MidiFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new EncodeRecord(item.Source, item.Output, EncodeStatus.Failed, 0, 0, e.Message);
        }
    }

    // A cached dense roll counts its onsets (notes that share a bin and pitch count once).
    static (int Notes, int Frames) ReadCounts(string path, EncodeFormat format)
    {
        if (format == EncodeFormat.Notes)
        {
            var spans = NoteSpans.Read(path);
            return (spans.Count, spans.Frames);
        }
        var roll = Npy.ReadRoll(path);
        return (roll.CountOnsets(), roll.Frames);
    }

    public static string Extension(EncodeFormat format) => format == EncodeFormat.Notes ? ".notes.npy" : ".npy";

    /// <summary>Finds .mid/.midi files: files as given, folders walked recursively. Outputs mirror the folder
    /// layout.</summary>
    public static List<EncodeItem> Plan(
        IEnumerable<string> inputs,
        string outDir,
        EncodeFormat format = EncodeFormat.Roll
    )
    {
        string ext = Extension(format);
        var items = new List<EncodeItem>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                foreach (
                    var f in Directory
                        .EnumerateFiles(input, "*", SearchOption.AllDirectories)
                        .Where(IsMidi)
                        .Order(StringComparer.Ordinal)
                )
                    items.Add(
                        new EncodeItem(
                            f,
                            f,
                            Unique(
                                Path.Combine(outDir, Path.ChangeExtension(Path.GetRelativePath(input, f), ext)),
                                used
                            )
                        )
                    );
            }
            else
                items.Add(
                    new EncodeItem(
                        input,
                        input,
                        Unique(Path.Combine(outDir, Path.ChangeExtension(Path.GetFileName(input), ext)), used)
                    )
                );
        }
        return items;
    }

    static bool IsMidi(string f) =>
        f.EndsWith(".mid", StringComparison.OrdinalIgnoreCase)
        || f.EndsWith(".midi", StringComparison.OrdinalIgnoreCase);

    static string Unique(string path, HashSet<string> used)
    {
        string candidate = path;
        string ext = path.EndsWith(".notes.npy", StringComparison.Ordinal) ? ".notes.npy" : ".npy";
        string stem = path[..^ext.Length];
        for (int i = 2; !used.Add(candidate); i++)
            candidate = $"{stem}-{i}{ext}";
        return candidate;
    }

    /// <summary>CSV with columns source,output,status,notes,frames,error.</summary>
    public static void WriteReport(string path, IEnumerable<EncodeRecord> records)
    {
        var sb = new StringBuilder("source,output,status,notes,frames,error\n");
        foreach (var r in records)
            sb.Append(Escape(r.Source))
                .Append(',')
                // A failed file has no output: naming the file it would have had suggests it exists.
                .Append(r.Status == EncodeStatus.Failed ? "" : Escape(r.Output))
                .Append(',')
                .Append(r.Status.ToString().ToLowerInvariant())
                .Append(',')
                .Append(r.Notes.ToString(CultureInfo.InvariantCulture))
                .Append(',')
                .Append(r.Frames.ToString(CultureInfo.InvariantCulture))
                .Append(',')
                .Append(Escape(r.Error))
                .Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}

using System.IO.Compression;
using System.Security.Cryptography;

namespace MidiGenre.Data;

/// <summary>A file to fetch, with what it must be.</summary>
public sealed record DownloadSpec(Uri Url, string FileName, long? ExpectedBytes = null, string? Sha256 = null);

/// <summary>Downloads went wrong: bad status, wrong size or hash, or a zip entry that would escape the target
/// folder.</summary>
public sealed class DownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches the official MAESTRO v2.0.0 MIDI zip (which holds the CSV too) over HTTPS and extracts it so that no entry
/// can land outside the target folder. A spec with <c>ExpectedBytes</c> / a SHA-256 is checked against them; the
/// default <see cref="MidiZip"/> has neither (the official size and hash were not available to us), so only the HTTP
/// status and a complete transfer are checked there. The download goes to a .part file and is renamed only when
/// complete (and, where the spec says how, verified).
/// </summary>
public static class MaestroDownload
{
    public static readonly DownloadSpec MidiZip = new(
        new Uri("https://storage.googleapis.com/magentadata/datasets/maestro/v2.0.0/maestro-v2.0.0-midi.zip"),
        "maestro-v2.0.0-midi.zip"
    );

    /// <summary>Downloads (if not already present and valid) and extracts into <paramref name="targetDir"/>; returns
    /// the folder with the CSV.</summary>
    public static async Task<string> FetchAsync(
        string targetDir,
        DownloadSpec? spec = null,
        IProgress<(long Done, long? Total)>? progress = null,
        HttpClient? http = null,
        CancellationToken cancel = default
    )
    {
        spec ??= MidiZip;
        Directory.CreateDirectory(targetDir);
        string zip = Path.Combine(targetDir, spec.FileName);
        if (!File.Exists(zip))
            await DownloadAsync(spec, zip, progress, http, cancel);
        else
            Verify(spec, zip);
        ExtractSafely(zip, targetDir);
        var csv =
            Directory.GetFiles(targetDir, "maestro-v*.csv", SearchOption.AllDirectories).FirstOrDefault()
            ?? throw new DownloadException($"{zip} holds no maestro-v*.csv");
        return Path.GetDirectoryName(csv)!;
    }

    public static async Task DownloadAsync(
        DownloadSpec spec,
        string destination,
        IProgress<(long Done, long? Total)>? progress = null,
        HttpClient? http = null,
        CancellationToken cancel = default
    )
    {
        bool own = http == null;
        http ??= new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        string part = destination + ".part";
        try
        {
            using var response = await http.GetAsync(spec.Url, HttpCompletionOption.ResponseHeadersRead, cancel);
            if (!response.IsSuccessStatusCode)
                throw new DownloadException($"{spec.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            long? total = response.Content.Headers.ContentLength ?? spec.ExpectedBytes;
            await using (var src = await response.Content.ReadAsStreamAsync(cancel))
            await using (var dst = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[1 << 16];
                long done = 0;
                int n;
                while ((n = await src.ReadAsync(buffer, cancel)) > 0)
                {
                    await dst.WriteAsync(buffer.AsMemory(0, n), cancel);
                    done += n;
                    progress?.Report((done, total));
                }
                if (response.Content.Headers.ContentLength is long announced && announced != done)
                    throw new DownloadException($"{spec.Url}: received {done} bytes, server announced {announced}");
            }
            Verify(spec, part);
            File.Move(part, destination, overwrite: true);
        }
        catch (HttpRequestException e)
        {
            throw new DownloadException(
                $"cannot download {spec.Url}: {e.Message}. Download it by hand and pass "
                    + $"--maestro DIR (see data/README.md).",
                e
            );
        }
        finally
        {
            if (own)
                http.Dispose();
            if (File.Exists(part))
                File.Delete(part);
        }
    }

    static void Verify(DownloadSpec spec, string path)
    {
        long size = new FileInfo(path).Length;
        if (spec.ExpectedBytes is long expected && size != expected)
            throw new DownloadException($"{path}: {size} bytes, expected {expected}");
        if (spec.Sha256 is string sha)
        {
            using var fs = File.OpenRead(path);
            string actual = Convert.ToHexString(SHA256.HashData(fs));
            if (!actual.Equals(sha, StringComparison.OrdinalIgnoreCase))
                throw new DownloadException(
                    $"{path}: SHA-256 {actual.ToLowerInvariant()}, expected {sha.ToLowerInvariant()}"
                );
        }
    }

    /// <summary>Extracts every entry, refusing any whose path would resolve outside <paramref name="targetDir"/> (zip
    /// slip).</summary>
    public static void ExtractSafely(string zipPath, string targetDir)
    {
        string root = Path.GetFullPath(targetDir);
        if (!root.EndsWith(Path.DirectorySeparatorChar))
            root += Path.DirectorySeparatorChar;
        using var archive = ZipFile.OpenRead(zipPath);
        foreach (var entry in archive.Entries)
        {
            string dest = Path.GetFullPath(Path.Combine(root, entry.FullName));
            if (!dest.StartsWith(root, StringComparison.Ordinal))
                throw new DownloadException($"{zipPath}: entry '{entry.FullName}' would be written outside {root}");
            if (entry.FullName.EndsWith('/'))
            {
                Directory.CreateDirectory(dest);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            if (File.Exists(dest) && new FileInfo(dest).Length == entry.Length)
                continue;
            AtomicFile.Write(
                dest,
                s =>
                {
                    using var src = entry.Open();
                    src.CopyTo(s);
                }
            );
        }
    }
}

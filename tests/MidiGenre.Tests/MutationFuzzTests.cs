using MidiGenre.Encoding;
using MidiGenre.Midi;

namespace MidiGenre.Tests;

/// <summary>Corrupted files yield a roll or a typed <see cref="MidiFormatException"/> — never another exception or a
/// hang.</summary>
public class MutationFuzzTests
{
    static readonly string[] RealFiles = Directory.GetFiles(
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "realworld"),
        "*.mid"
    );

    [Fact]
    public async Task Thousands_of_mutated_files_fail_cleanly()
    {
        var rng = new Random(12345);
        var seeds = Enumerable
            .Range(0, 40)
            .Select(i => RoundTripProperties.RandomMidi(i, 30))
            .Concat(RealFiles.Take(3).Select(File.ReadAllBytes))
            .ToList();
        int typed = 0,
            ok = 0;
        for (int i = 0; i < 3000; i++)
        {
            var bytes = Mutate(seeds[rng.Next(seeds.Count)], rng);
            var task = Task.Run(() =>
            {
                try
                {
                    PianoRollEncoder.Encode(MidiReader.Read(bytes, $"case{i}.mid"));
                    return true;
                }
                catch (MidiFormatException e)
                {
                    Assert.Equal($"case{i}.mid", e.File);
                    Assert.InRange(e.Offset, 0, bytes.Length);
                    return false;
                }
            });
            bool encoded;
            try
            {
                encoded = await task.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"case {i} hung");
                throw;
            }
            if (encoded)
                ok++;
            else
                typed++;
        }
        Assert.True(
            typed > 100 && ok > 100,
            $"the mutations should exercise both outcomes: {ok} encoded, {typed} typed errors"
        );
    }

    static byte[] Mutate(byte[] source, Random rng)
    {
        var b = source.ToList();
        switch (rng.Next(7))
        {
            case 0:
            {
                int at = rng.Next(b.Count);
                b.RemoveRange(at, rng.Next(Math.Min(64, b.Count - at) + 1));
                break;
            } // bytes cut out
            case 1:
                for (int k = 0; k < 1 + rng.Next(8); k++)
                    b[rng.Next(b.Count)] = (byte)rng.Next(256);
                break;
            case 2:
                b = b.Take(rng.Next(b.Count)).ToList();
                break; // truncated
            case 3:
            {
                int at = 18 + rng.Next(4);
                if (at < b.Count)
                    b[at] = (byte)rng.Next(256);
                break;
            } // track chunk length
            case 4:
                b.InsertRange(
                    rng.Next(b.Count),
                    Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256))
                );
                break;
            case 5:
            {
                int at = 22 + rng.Next(Math.Max(1, b.Count - 22));
                if (at < b.Count)
                    b[at] = (byte)rng.Next(0x80);
                break;
            } // data byte where a status was: running status
            default:
            {
                int at = 4 + rng.Next(10);
                if (at < b.Count)
                    b[at] ^= (byte)(1 << rng.Next(8));
                break;
            } // header bits
        }
        return b.ToArray();
    }
}

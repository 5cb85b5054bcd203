using System.Security.Cryptography;
using MidiGenre.Encoding;
using MidiGenre.Midi;

namespace MidiGenre.Tests;

/// <summary>Files written by other people (Planet Blupi's soundtrack, see Fixtures/realworld/README.md), compared bit
/// for bit with the independent Python reference encoder bench/peer_encode.py.</summary>
public class RealWorldTests
{
    static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "realworld");

    public static TheoryData<string, string, int, int> Reference()
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (var line in File.ReadAllLines(Path.Combine(Dir, "reference-rolls.txt")))
        {
            var f = line.Split(' ');
            data.Add(f[0], f[1], int.Parse(f[2]), int.Parse(f[3]));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Reference))]
    public void Matches_the_python_reference_encoder(string file, string sha256, int frames, int notes)
    {
        var score = MidiReader.Read(Path.Combine(Dir, file));
        var roll = PianoRollEncoder.Encode(score);
        Assert.Equal(notes, score.Notes.Count);
        Assert.Equal(frames, roll.Frames);
        Assert.Equal(sha256, Convert.ToHexString(SHA256.HashData(roll.Data)).ToLowerInvariant());
    }

    [Fact]
    public void Real_files_round_trip_through_the_decoder()
    {
        foreach (var f in Directory.GetFiles(Dir, "*.mid").Take(4))
        {
            var roll = PianoRollEncoder.Encode(f, new EncodeOptions(DropDrums: true));
            var again = PianoRollEncoder.Encode(MidiReader.Read(PianoRollDecoder.ToMidiBytes(roll), "decoded.mid"));
            Assert.True(roll.Equals(again), Path.GetFileName(f));
        }
    }
}

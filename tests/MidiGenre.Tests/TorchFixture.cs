using MidiGenre.Data;
using MidiGenre.Encoding;

namespace MidiGenre.Tests;

/// <summary>A small synthetic corpus, generated and prepared once for the tests that train or attack.</summary>
public sealed class SmokeData : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "midigenre-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public ExperimentData Data { get; }

    public SmokeData()
    {
        Data = ExperimentData.Load(new DataSource(Root, null, SmallSynthetic: true), new SegmentSpec(4), seed: 1);
    }

    public void Dispose() { try { Directory.Delete(Root, true); } catch (IOException) { } }
}

[CollectionDefinition("torch")]
public sealed class TorchCollection : ICollectionFixture<SmokeData>;

using MidiGenre.Data;
using MidiGenre.Encoding;

namespace MidiGenre.Tests;

/// <summary>A small synthetic corpus, generated and prepared once for the tests that train or attack.</summary>
public sealed class SmokeData : IDisposable
{
    public string Root { get; } =
        Path.Combine(Path.GetTempPath(), "midigenre-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public ExperimentData Data { get; }

    public SmokeData()
    {
        Data = ExperimentData.Load(new DataSource(Root, null, SmallSynthetic: true), new SegmentSpec(4), seed: 1);
    }

    TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? _trained;

    /// <summary>A ConvNet trained with the smoke profile on this data (once, lazily), in eval mode.</summary>
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> Trained
    {
        get
        {
            lock (this)
            {
                if (_trained != null)
                    return _trained;
                var settings = MidiGenre.Training.TrainSettings.ForProfile("smoke") with
                {
                    SegmentsPerPiece = 4,
                    Seed = 1,
                    Threads = 2,
                };
                var (model, _) = new MidiGenre.Training.Trainer(settings, Data.Classes, Path.Combine(Root, "trained"))
                {
                    Device = TorchSharp.torch.CPU,
                }.Run(Data.Train, Data.Validation);
                model.eval();
                return _trained = model;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, true);
        }
        catch (IOException) { }
    }
}

[CollectionDefinition("torch")]
public sealed class TorchCollection : ICollectionFixture<SmokeData>;

using MidiGenre.Data;
using MidiGenre.Encoding;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Evaluation;

/// <summary>A MIDI file holds no notes: there is nothing to classify.</summary>
public sealed class NothingToClassifyException(string path)
    : Exception($"{Path.GetFileName(path)} holds no notes (after the model's encoder options): nothing to classify");

/// <summary>What a trained model expects of its input: classes in output order, segments, channels, encoder
/// options.</summary>
public sealed record ModelInput(
    IReadOnlyList<string> Classes,
    SegmentSpec Segments,
    int Channels,
    EncodeOptions Encoding
);

/// <summary>Classifies one MIDI file as the paper does: segments → softmax → majority vote (ties by mean
/// probability).</summary>
public static class Predictor
{
    /// <summary>Classes ranked by vote share (then mean probability); Probability is the mean softmax over
    /// segments.</summary>
    public static List<(string Class, double Probability, double VoteShare)> Predict(
        nn.Module<Tensor, Tensor> model,
        ModelInput input,
        string midiPath
    )
    {
        var notes = PianoRollEncoder.Spans(midiPath, input.Encoding);
        if (notes.Count == 0)
            throw new NothingToClassifyException(midiPath);
        var data = new SegmentDataset(
            [new Piece(midiPath, Path.GetFileName(midiPath), 0, notes)],
            input.Segments,
            input.Channels
        );
        var preds = Evaluator.Predict(model, data);
        int classes = input.Classes.Count;
        var (_, votes, mean) = Evaluator.Vote(preds.Probabilities, classes);
        return Enumerable
            .Range(0, classes)
            .Select(c => (input.Classes[c], mean[c], votes[c] / (double)data.Count))
            .OrderByDescending(x => x.Item3)
            .ThenByDescending(x => x.Item2)
            .ToList();
    }
}

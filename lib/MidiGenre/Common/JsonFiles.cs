using System.Text.Json;
using System.Text.Json.Serialization;

namespace MidiGenre.Common;

/// <summary>The one JSON convention of every file the project writes: indented, snake_case keys, and non-finite numbers
/// (NaN, ±∞ — e.g. a rate over zero segments) written as null instead of failing at the end of a long run.</summary>
public static class JsonFiles
{
    public static readonly JsonSerializerOptions Options = Create();

    static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        };
        o.Converters.Add(new FiniteOrNull());
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }

    public static void Write<T>(string path, T value) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options));

    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(UpgradeKeys(File.ReadAllText(path)), Options)
        ?? throw new InvalidDataException($"{path} is empty");

    /// <summary>Keys renamed since files were first written, old → new. The majority-vote figures are per MIDI file,
    /// i.e. per performance, and were once keyed "piece"; files written then still read right instead of leaving the
    /// renamed figures at 0.</summary>
    static readonly (string Old, string New)[] RenamedKeys =
    [
        ("val_piece_accuracy", "val_performance_accuracy"),
        ("realized_piece_accuracy", "realized_performance_accuracy"),
        ("piece_robust_accuracy", "performance_robust_accuracy"),
        ("piece_accuracy", "performance_accuracy"),
        ("train_pieces", "train_performances"),
        ("validation_pieces", "validation_performances"),
        ("test_pieces", "test_performances"),
        ("ValPieceAccuracy", "ValPerformanceAccuracy"), // checkpoints' meta.json keeps .NET's names
    ];

    /// <summary>JSON text with every renamed key (a quoted name followed by a colon) under its current name.</summary>
    public static string UpgradeKeys(string json)
    {
        foreach (var (old, now) in RenamedKeys)
            json = json.Replace($"\"{old}\":", $"\"{now}\":", StringComparison.Ordinal);
        return json;
    }

    /// <summary>double: finite values as numbers, the others as null (read back as NaN).</summary>
    sealed class FiniteOrNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
                writer.WriteNumberValue(value);
            else
                writer.WriteNullValue();
        }
    }
}

namespace MidiGenre.Common;

/// <summary>RFC 4180 quoting: fields holding a comma, quote or line break are quoted, quotes doubled.</summary>
public static class CsvText
{
    public static string Escape(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}

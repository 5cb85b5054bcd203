using System.Text.RegularExpressions;
using TextEncoding = System.Text.Encoding;

namespace MidiGenre.Encoding;

/// <summary>NumPy .npy files (format 1.0 written; 1.0–3.0 read) for uint8 and little-endian int32 arrays in C order,
/// so rolls and note spans can be opened with <c>numpy.load</c> and exchanged with the original Python
/// pipeline.</summary>
public static partial class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, PianoRoll roll) =>
        AtomicFile.Write(path, s => Write(s, roll.Data, [PianoRoll.Channels, roll.Frames, PianoRoll.Pitches]));

    /// <summary>NumPy's type strings for the two element types we exchange.</summary>
    public const string UInt8 = "|u1",
        Int32 = "<i4";

    public static void Write(Stream s, ReadOnlySpan<byte> data, int[] shape, string descr = UInt8)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = Magic.Length + 2 + 2 + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        s.Write(Magic);
        s.WriteByte(1);
        s.WriteByte(0);
        s.WriteByte((byte)(header.Length & 0xff));
        s.WriteByte((byte)(header.Length >> 8));
        s.Write(TextEncoding.ASCII.GetBytes(header));
        s.Write(data);
    }

    public static PianoRoll ReadRoll(string path)
    {
        var (data, shape) = Read(path);
        if (shape.Length != 3 || shape[0] != PianoRoll.Channels || shape[2] != PianoRoll.Pitches)
            throw new InvalidDataException($"{path}: expected shape (2, T, 128), found ({string.Join(", ", shape)})");
        return new PianoRoll(data, shape[1]);
    }

    public static (byte[] Data, int[] Shape) Read(string path, string descr = UInt8)
    {
        using var fs = File.OpenRead(path);
        try
        {
            return Read(fs, descr);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads an array whose element type is <paramref name="descr"/> (its raw little-endian bytes).</summary>
    public static (byte[] Data, int[] Shape) Read(Stream s, string descr = UInt8)
    {
        int[] shape = ReadHeader(s, descr);
        var data = new byte[shape.Aggregate(1L, (a, b) => a * b) * (descr == Int32 ? 4 : 1)];
        s.ReadExactly(data);
        return (data, shape);
    }

    /// <summary>Reads the header and checks the element type; the stream is left at the first element.</summary>
    public static int[] ReadHeader(Stream s, string descr)
    {
        var pre = new byte[8];
        s.ReadExactly(pre);
        if (!pre.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException("not a .npy file");
        int major = pre[6];
        if (major is < 1 or > 3)
            throw new InvalidDataException($"unsupported .npy version {major}");
        var len = new byte[major == 1 ? 2 : 4];
        s.ReadExactly(len);
        int headerLen = major == 1 ? len[0] | len[1] << 8 : checked((int)BitConverter.ToUInt32(len));
        var headerBytes = new byte[headerLen];
        s.ReadExactly(headerBytes);
        string header = TextEncoding.Latin1.GetString(headerBytes);
        var found = DescrRegex().Match(header);
        // NumPy writes '|u1' for bytes; '<u1' and 'u1' mean the same, as '<i4' and 'i4' do on a little-endian machine.
        string type = found.Success ? found.Groups[1].Value.TrimStart('<', '|') : "";
        if (type != descr.TrimStart('<', '|'))
            throw new InvalidDataException($"expected an array of {descr}, found (header: {header.Trim()})");
        if (FortranRegex().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
            throw new InvalidDataException("Fortran-order arrays are not supported");
        var shapeMatch = ShapeRegex().Match(header);
        if (!shapeMatch.Success)
            throw new InvalidDataException("header has no shape");
        return shapeMatch
            .Groups[1]
            .Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToArray();
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}

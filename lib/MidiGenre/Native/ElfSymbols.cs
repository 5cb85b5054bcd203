using System.Buffers.Binary;
using TextEncoding = System.Text.Encoding;

namespace MidiGenre.Native;

/// <summary>
/// The dynamic symbols of an ELF64 shared object: which it defines and which it needs from other libraries. Only the
/// section headers, the dynamic symbol table and its strings are read, not the whole file (PyTorch's libtorch_cuda.so
/// is over a gigabyte). Used to check, before loading, that a libtorch from elsewhere has every function
/// libLibTorchSharp calls.
/// </summary>
public sealed class ElfSymbols
{
    const uint ShtDynsym = 11;
    const uint ShtGnuVersym = 0x6fffffff;
    const int SymbolSize = 24;

    /// <summary>Global and weak symbols this object defines.</summary>
    public HashSet<string> Defined { get; } = new(StringComparer.Ordinal);

    /// <summary>Symbols it needs, strongly, without a version: what it expects from libraries that carry no symbol
    /// versions (libtorch, c10). Versioned needs (GLIBC_*, GLIBCXX_*) and weak ones are left out.</summary>
    public List<string> RequiredUnversioned { get; } = [];

    public static ElfSymbols Read(string path)
    {
        // Long by design: one linear walk (ELF header → section headers → .dynsym, its strings and versions).
        using var file = File.OpenHandle(path);
        var header = ReadAt(file, 0, 64);
        if (header.Length < 64 || !header.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
            throw new InvalidDataException($"{path}: not an ELF file");
        if (header[4] != 2 || header[5] != 1)
            throw new InvalidDataException($"{path}: only little-endian ELF64 is supported");
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x28));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3A));
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3C));
        var sections = ReadAt(file, shoff, shentsize * shnum);
        Section At(int i) => new(sections.AsSpan(i * shentsize));
        var result = new ElfSymbols();
        for (int i = 0; i < shnum; i++)
        {
            var dynsym = At(i);
            if (dynsym.Type != ShtDynsym)
                continue;
            var symbols = ReadAt(file, dynsym.Offset, (int)dynsym.Size);
            var strings = ReadAt(file, At(dynsym.Link).Offset, (int)At(dynsym.Link).Size);
            byte[]? versions = null;
            for (int j = 0; j < shnum; j++)
                if (At(j).Type == ShtGnuVersym && At(j).Link == i)
                    versions = ReadAt(file, At(j).Offset, (int)At(j).Size);
            for (int k = 1; k < symbols.Length / SymbolSize; k++)
                result.Add(symbols.AsSpan(k * SymbolSize, SymbolSize), strings, versions, k);
        }
        return result;
    }

    void Add(ReadOnlySpan<byte> sym, byte[] strings, byte[]? versions, int k)
    {
        int nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(sym);
        int binding = sym[4] >> 4; // 1 global, 2 weak
        int section = BinaryPrimitives.ReadUInt16LittleEndian(sym[6..]);
        if (nameOffset == 0 || binding is not (1 or 2))
            return;
        int end = Array.IndexOf(strings, (byte)0, nameOffset);
        string name = TextEncoding.ASCII.GetString(strings, nameOffset, end - nameOffset);
        if (section != 0)
        {
            Defined.Add(name);
            return;
        }
        int version = versions == null ? 1 : BinaryPrimitives.ReadUInt16LittleEndian(versions.AsSpan(2 * k)) & 0x7fff;
        if (binding == 1 && version <= 1)
            RequiredUnversioned.Add(name);
    }

    static byte[] ReadAt(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, int count)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = RandomAccess.Read(file, buffer.AsSpan(read), offset + read);
            if (n == 0)
                throw new InvalidDataException("truncated ELF file");
            read += n;
        }
        return buffer;
    }

    readonly struct Section(ReadOnlySpan<byte> header)
    {
        public uint Type { get; } = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        public long Offset { get; } = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
        public long Size { get; } = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        public int Link { get; } = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
    }
}

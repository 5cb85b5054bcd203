using System.Buffers.Binary;
using TextEncoding = System.Text.Encoding;

namespace MidiGenre.Native;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared object as weak (VER_FLG_WEAK), so the dynamic
/// loader accepts a system library that lacks that version. TorchSharp 0.107's libLibTorchSharp.so asks
/// for GLIBCXX_3.4.32 only for <c>std::ios_base_library_init()</c>, which nothing relocates against;
/// GCC 12's libstdc++ (Debian 12, Ubuntu 22.04) stops at 3.4.30 and the load fails without this.
/// </summary>
public static class ElfVersionPatch
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>.
    /// Returns how many entries changed (0 if already weak or absent).</summary>
    public static int MarkVersionWeak(byte[] elf, string version)
    {
        // Long by design: one linear walk of the ELF structures (section headers → .gnu.version_r → Vernaux).
        var span = elf.AsSpan();
        if (elf.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            var sh = span[(int)(shoff + (ulong)(i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed)
                continue;
            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]));
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info = number of Verneed entries
            var strSh = span[(int)(shoff + (ulong)(link * shentsize))..];
            int strOffset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]));

            int need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameOffset = strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    if (ReadCString(span, nameOffset) == version)
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], (ushort)(flags | VerFlgWeak));
                            changed++;
                        }
                    }
                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                    if (nextAux == 0)
                        break;
                    aux += (int)nextAux;
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
                if (next == 0)
                    break;
                need += (int)next;
            }
        }
        return changed;
    }

    /// <summary>Whether the ELF still has a non-weak requirement on <paramref name="version"/>.</summary>
    public static bool RequiresVersion(byte[] elf, string version)
    {
        var copy = (byte[])elf.Clone();
        return MarkVersionWeak(copy, version) > 0;
    }

    static string ReadCString(ReadOnlySpan<byte> span, int offset)
    {
        int end = span[offset..].IndexOf((byte)0);
        return TextEncoding.ASCII.GetString(span.Slice(offset, end));
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Atelier.Text.Training;

/// <summary>Edits the version-needs table (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared object.</summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Sets VER_FLG_WEAK on every requirement of <paramref name="version"/>, so that the dynamic loader only warns
    /// when the providing library lacks it instead of refusing to load the file. Returns how many entries changed.
    /// </summary>
    public static int MarkWeak(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        var span = elf.AsSpan();
        if (elf.Length < 64 || !span[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file.");

        var sectionTable = checked((int)U64(span, 0x28));
        var sectionSize = U16(span, 0x3A);
        var sectionCount = U16(span, 0x3C);
        var target = Encoding.ASCII.GetBytes(version);
        var changed = 0;

        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionTable + i * sectionSize;
            if (U32(span, header + 4) != ShtGnuVerneed) continue;

            var offset = checked((int)U64(span, header + 0x18));
            var strtabHeader = sectionTable + (int)U32(span, header + 0x28) * sectionSize;
            var strtab = checked((int)U64(span, strtabHeader + 0x18));
            var needCount = U32(span, header + 0x2C);

            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
            // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
            for (var n = 0; n < needCount; n++)
            {
                var auxCount = U16(span, offset + 2);
                var aux = offset + (int)U32(span, offset + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = strtab + (int)U32(span, aux + 8);
                    var end = span[name..].IndexOf((byte)0);
                    if (span.Slice(name, end).SequenceEqual(target))
                    {
                        var flags = (ushort)(U16(span, aux + 4) | VerFlagWeak);
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], flags);
                        changed++;
                    }
                    aux += (int)U32(span, aux + 12);
                }
                var next = (int)U32(span, offset + 12);
                if (next == 0) break;
                offset += next;
            }
        }

        if (changed == 0) throw new InvalidDataException($"{path} has no requirement for version {version}.");
        File.WriteAllBytes(path, elf);
        return changed;
    }

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);
    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
    private static ulong U64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}

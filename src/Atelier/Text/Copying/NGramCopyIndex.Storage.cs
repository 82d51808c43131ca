using System.Runtime.InteropServices;
using System.Text;

namespace Atelier.Text.Copying;

/// <summary>
/// The index file, kept beside the model it describes: a header, the document ids, then the arrays exactly as they lie
/// in memory (little-endian), so that loading is a few large reads.
/// </summary>
public sealed partial class NGramCopyIndex
{
    private const string Magic = "ATCOPYIX";
    private const int Version = 1;

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the index file is written little-endian");
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(Version);
            writer.Write(N);
            writer.Write(Stride);
            writer.Write(_bucketBits);
            writer.Write(_ids.Length);
            writer.Write(_text.Length);
            writer.Write(_positions.Length);
            foreach (var id in _ids) writer.Write(id);
            writer.Flush();
            stream.Write(MemoryMarshal.AsBytes(_starts.AsSpan()));
            stream.Write(MemoryMarshal.AsBytes(_text.AsSpan()));
            stream.Write(MemoryMarshal.AsBytes(_bucketStarts.AsSpan()));
            stream.Write(MemoryMarshal.AsBytes(_positions.AsSpan()));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads an index written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> for anything else.</summary>
    public static NGramCopyIndex Load(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the index file is written little-endian");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic)
                throw new InvalidDataException($"'{path}' is not a copy index");
            int version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException($"'{path}' is a copy index of version {version}; this build reads {Version}");
            int n = reader.ReadInt32(), stride = reader.ReadInt32(), bucketBits = reader.ReadInt32();
            int documents = reader.ReadInt32(), textLength = reader.ReadInt32(), positions = reader.ReadInt32();
            if (n != N || stride < 1 || bucketBits is < 1 or > 30 || documents < 0 || textLength < documents || positions < 0
                || (long)documents * sizeof(int) + textLength * 2L + positions * 4L > stream.Length)
                throw new InvalidDataException($"'{path}' has an inconsistent copy index header");

            var ids = new string[documents];
            for (int d = 0; d < documents; d++) ids[d] = reader.ReadString();
            var starts = ReadArray<int>(stream, documents);
            var text = ReadArray<char>(stream, textLength);
            var bucketStarts = ReadArray<int>(stream, (1 << bucketBits) + 1);
            var indexed = ReadArray<int>(stream, positions);
            if (stream.Position != stream.Length || !Fits(starts, text, bucketStarts, indexed))
                throw new InvalidDataException($"'{path}' is damaged (its arrays do not fit together)");
            return new NGramCopyIndex(ids, starts, text, stride, bucketBits, bucketStarts, indexed);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is truncated", e);
        }
    }

    /// <summary>What lookups rely on, so that a damaged file fails here rather than as an index error later.</summary>
    private static bool Fits(int[] starts, char[] text, int[] bucketStarts, int[] positions)
    {
        if (bucketStarts[0] != 0 || bucketStarts[^1] != positions.Length) return false;
        for (int b = 1; b < bucketStarts.Length; b++)
            if (bucketStarts[b] < bucketStarts[b - 1]) return false;
        for (int d = 0; d < starts.Length; d++)
            if ((uint)starts[d] >= (uint)text.Length || d > 0 && starts[d] <= starts[d - 1]) return false;
        return text.Length == 0 || text[^1] == DocumentEnd && positions.All(p => p >= 0 && p <= text.Length - N);
    }

    private static T[] ReadArray<T>(Stream stream, int count) where T : unmanaged
    {
        var array = new T[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }
}

using System.Text;

namespace Atelier.Text.Gguf;

/// <summary>One tensor's entry in a GGUF file. <see cref="Shape"/> is outermost-first, as in PyTorch.</summary>
public sealed record GgufTensorInfo(string Name, long[] Shape, GgmlType Type, long Offset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteSize => GgmlTypeInfo.ByteSize(Type, ElementCount);
}

/// <summary>
/// The header of a GGUF file — metadata and tensor table — read without touching the weights, so that listing and
/// inspecting models is cheap. Validates the layout fully: a truncated or foreign file fails here, not inside llama.cpp.
/// </summary>
public sealed class GgufFile
{
    private const uint Magic = 0x46554747;
    private const int MaxCount = 10_000_000;

    public required string Path { get; init; }
    public required uint Version { get; init; }
    public required IReadOnlyDictionary<string, object> Metadata { get; init; }
    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }
    public required long DataOffset { get; init; }
    public required long FileSize { get; init; }

    public T? Get<T>(string key) => Metadata.TryGetValue(key, out var v) && v is T t ? t : default;

    public string? GetString(string key) => Get<string>(key);

    /// <summary>Reads an integer value whatever its stored width, since writers differ (u32, i32, u64).</summary>
    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v) ? v switch
    {
        byte b => b, sbyte sb => sb, ushort us => us, short s => s, uint u => u, int i => i,
        ulong ul => (long)ul, long l => l, _ => null,
    } : null;

    public float? GetFloat(string key) => Metadata.TryGetValue(key, out var v) ? v switch
    {
        float f => f, double d => (float)d, _ => null,
    } : null;

    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Read(stream, path);
        }
        catch (EndOfStreamException)
        {
            throw new GgufFormatException($"{System.IO.Path.GetFileName(path)} is truncated (the GGUF header ends early)");
        }
    }

    /// <summary>Loads one tensor's values as floats (F32, F16 and Q8_0 tensors).</summary>
    public float[] ReadTensor(string name)
    {
        var info = Tensors.FirstOrDefault(t => t.Name == name)
            ?? throw new KeyNotFoundException($"tensor {name} is not in {System.IO.Path.GetFileName(Path)}");
        using var stream = File.OpenRead(Path);
        stream.Seek(DataOffset + info.Offset, SeekOrigin.Begin);
        var bytes = new byte[info.ByteSize];
        stream.ReadExactly(bytes);
        return TensorCodec.Decode(bytes, info.Type, info.ElementCount);
    }

    private static GgufFile Read(Stream stream, string path)
    {
        var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var name = System.IO.Path.GetFileName(path);
        if (stream.Length < 4 || r.ReadUInt32() != Magic)
            throw new GgufFormatException($"{name} is not a GGUF file (it does not start with the GGUF magic)");
        uint version = r.ReadUInt32();
        if (version is < 2 or > 3) throw new GgufFormatException($"{name} has GGUF version {version}; versions 2 and 3 are supported");
        long tensorCount = CheckCount(r.ReadUInt64(), "tensor count", name);
        long kvCount = CheckCount(r.ReadUInt64(), "metadata count", name);

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            var key = ReadString(r, name);
            metadata[key] = ReadValue(r, (GgufValueType)r.ReadUInt32(), name);
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        for (long i = 0; i < tensorCount; i++)
        {
            var tensorName = ReadString(r, name);
            uint dims = r.ReadUInt32();
            if (dims is 0 or > 8) throw new GgufFormatException($"{name}: tensor {tensorName} has {dims} dimensions");
            var shape = new long[dims];
            for (int d = 0; d < dims; d++) shape[dims - 1 - d] = (long)r.ReadUInt64();
            var type = (GgmlType)r.ReadUInt32();
            GgmlTypeInfo.Geometry(type);
            tensors.Add(new GgufTensorInfo(tensorName, shape, type, (long)r.ReadUInt64()));
        }

        long alignment = metadata.TryGetValue("general.alignment", out var a) && a is uint au ? au : 32;
        long dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
        foreach (var t in tensors)
        {
            if (dataOffset + t.Offset + t.ByteSize > stream.Length)
                throw new GgufFormatException($"{name} is truncated: tensor {t.Name} extends past the end of the file");
        }
        return new GgufFile
        {
            Path = System.IO.Path.GetFullPath(path), Version = version, Metadata = metadata, Tensors = tensors,
            DataOffset = dataOffset, FileSize = stream.Length,
        };
    }

    private static long CheckCount(ulong value, string what, string name) =>
        value > MaxCount ? throw new GgufFormatException($"{name}: implausible {what} {value}; the file is damaged") : (long)value;

    private static string ReadString(BinaryReader r, string name)
    {
        ulong length = r.ReadUInt64();
        if (length > (ulong)(r.BaseStream.Length - r.BaseStream.Position))
            throw new GgufFormatException($"{name} is truncated or damaged (a string runs past the end of the file)");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    private static object ReadValue(BinaryReader r, GgufValueType type, string name) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() != 0,
        GgufValueType.String => ReadString(r, name),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array => ReadArray(r, name),
        _ => throw new GgufFormatException($"{name}: unknown metadata value type {(uint)type}"),
    };

    private static object ReadArray(BinaryReader r, string name)
    {
        var type = (GgufValueType)r.ReadUInt32();
        long count = CheckCount(r.ReadUInt64(), "array length", name);
        switch (type)
        {
            case GgufValueType.String:
                var strings = new string[count];
                for (long i = 0; i < count; i++) strings[i] = ReadString(r, name);
                return strings;
            case GgufValueType.Float32:
                return ReadPrimitives(r, count, 4, name, br => br.ReadSingle());
            case GgufValueType.Int32:
                return ReadPrimitives(r, count, 4, name, br => br.ReadInt32());
            case GgufValueType.UInt32:
                return ReadPrimitives(r, count, 4, name, br => br.ReadUInt32());
            default:
                var items = new object[count];
                for (long i = 0; i < count; i++) items[i] = ReadValue(r, type, name);
                return items;
        }
    }

    private static T[] ReadPrimitives<T>(BinaryReader r, long count, int width, string name, Func<BinaryReader, T> read)
    {
        if (count * width > r.BaseStream.Length - r.BaseStream.Position)
            throw new GgufFormatException($"{name} is truncated or damaged (an array runs past the end of the file)");
        var result = new T[count];
        for (long i = 0; i < count; i++) result[i] = read(r);
        return result;
    }
}

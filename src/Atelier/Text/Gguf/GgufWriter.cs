using System.Text;

namespace Atelier.Text.Gguf;

/// <summary>
/// Writes GGUF v3 files: metadata key/values, tensor infos, then tensor data, each aligned as llama.cpp expects.
/// Shapes are given outermost-first (PyTorch order) and reversed on disk, where GGUF lists the innermost dimension first.
/// </summary>
public sealed class GgufWriter
{
    private const uint Magic = 0x46554747; // "GGUF" read as little-endian uint32
    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<(string Name, long[] Shape, GgmlType Type, byte[] Data)> _tensors = [];

    public int Alignment { get; init; } = 32;

    public GgufWriter Set(string key, string value) => Add(key, GgufValueType.String, value);
    public GgufWriter Set(string key, uint value) => Add(key, GgufValueType.UInt32, value);
    public GgufWriter Set(string key, int value) => Add(key, GgufValueType.Int32, value);
    public GgufWriter Set(string key, ulong value) => Add(key, GgufValueType.UInt64, value);
    public GgufWriter Set(string key, float value) => Add(key, GgufValueType.Float32, value);
    public GgufWriter Set(string key, bool value) => Add(key, GgufValueType.Bool, value);
    public GgufWriter Set(string key, IReadOnlyList<string> values) => Add(key, GgufValueType.Array, values.ToArray());
    public GgufWriter Set(string key, IReadOnlyList<float> values) => Add(key, GgufValueType.Array, values.ToArray());
    public GgufWriter Set(string key, IReadOnlyList<int> values) => Add(key, GgufValueType.Array, values.ToArray());

    /// <summary>Adds a tensor from float values, encoding it as <paramref name="type"/> (F32, F16 or Q8_0).</summary>
    public GgufWriter AddTensor(string name, ReadOnlySpan<float> values, IReadOnlyList<long> shape, GgmlType type)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != values.Length)
            throw new ArgumentException($"tensor {name}: shape holds {count} values but {values.Length} were given");
        if (_tensors.Any(t => t.Name == name))
            throw new ArgumentException($"tensor {name} was added twice");
        _tensors.Add((name, shape.ToArray(), type, TensorCodec.Encode(values, type, (int)shape[^1])));
        return this;
    }

    /// <summary>Writes the file through a temporary sibling and a rename, so a reader never sees half a model.</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".{Environment.ProcessId}.partial";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                WriteTo(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public void WriteTo(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)(_metadata.Count + (Alignment != 32 ? 1 : 0)));
        if (Alignment != 32) WriteKeyValue(w, "general.alignment", GgufValueType.UInt32, (uint)Alignment);
        foreach (var (key, type, value) in _metadata) WriteKeyValue(w, key, type, value);

        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Shape.Length);
            for (int i = t.Shape.Length - 1; i >= 0; i--) w.Write((ulong)t.Shape[i]);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = Align(offset + t.Data.Length);
        }
        Pad(w);
        long dataStart = w.BaseStream.Position;
        foreach (var t in _tensors)
        {
            w.Write(t.Data);
            Pad(w, dataStart);
        }
    }

    private GgufWriter Add(string key, GgufValueType type, object value)
    {
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, type, value));
        return this;
    }

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void Pad(BinaryWriter w, long origin = 0)
    {
        long pos = w.BaseStream.Position - origin;
        for (long i = pos; i < Align(pos); i++) w.Write((byte)0);
    }

    private static void WriteKeyValue(BinaryWriter w, string key, GgufValueType type, object value)
    {
        WriteString(w, key);
        w.Write((uint)type);
        switch (value)
        {
            case string s: WriteString(w, s); break;
            case uint u: w.Write(u); break;
            case int i: w.Write(i); break;
            case ulong ul: w.Write(ul); break;
            case float f: w.Write(f); break;
            case bool b: w.Write(b ? (byte)1 : (byte)0); break;
            case string[] strings:
                w.Write((uint)GgufValueType.String); w.Write((ulong)strings.Length);
                foreach (var s in strings) WriteString(w, s);
                break;
            case float[] floats:
                w.Write((uint)GgufValueType.Float32); w.Write((ulong)floats.Length);
                foreach (var f in floats) w.Write(f);
                break;
            case int[] ints:
                w.Write((uint)GgufValueType.Int32); w.Write((ulong)ints.Length);
                foreach (var i in ints) w.Write(i);
                break;
            default: throw new ArgumentException($"metadata {key}: unsupported value {value.GetType().Name}");
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Atelier.Text.Training;

/// <summary>
/// Reads and writes float32 tensors in the safetensors format: an 8-byte little-endian header length, a JSON header
/// mapping each name to <c>{dtype, shape, data_offsets}</c> (plus an optional <c>__metadata__</c> string map), then the
/// raw little-endian tensor bytes.
/// </summary>
public static class SafetensorsFile
{
    private const string MetadataKey = "__metadata__";

    // Generous bound that still rejects garbage lengths before allocating.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    static SafetensorsFile() => TorchSharpRuntime.EnsureLoaded();

    /// <summary>Writes the tensors in the given order; the file appears atomically (temporary file, then rename).</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = new List<(string Name, float[] Data, long[] Shape)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
        {
            if (name == MetadataKey || !names.Add(name))
                throw new ArgumentException($"Tensor name '{name}' is reserved or duplicated.", nameof(tensors));
            if (t.dtype != ScalarType.Float32)
                throw new ArgumentException($"Tensor '{name}' is {t.dtype}; only float32 is supported.", nameof(tensors));
            using var scope = NewDisposeScope();
            entries.Add((name, t.detach().cpu().contiguous().data<float>().ToArray(), t.shape));
        }

        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header[MetadataKey] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        long offset = 0;
        foreach (var (name, data, shape) in entries)
        {
            var end = offset + (long)data.Length * sizeof(float);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The format allows trailing spaces; padding to 8 keeps the data aligned for memory-mapping readers.
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var entry in entries)
                stream.Write(MemoryMarshal.AsBytes(entry.Data.AsSpan()));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads every tensor; the caller owns (and disposes) the returned tensors.</summary>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <summary>Reads every tensor and the <c>__metadata__</c> map.</summary>
    public static Dictionary<string, Tensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using var stream = File.OpenRead(path);
        var (header, dataStart) = ReadHeader(stream, path);
        metadata = ParseMetadata(header);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == MetadataKey) continue;
                var (shape, begin, end) = ParseEntry(name, node, stream.Length - dataStart, path);
                var data = new float[(end - begin) / sizeof(float)];
                stream.Position = dataStart + begin;
                stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                result[name] = tensor(data, shape);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static (JsonObject Header, long DataStart) ReadHeader(Stream stream, string path)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.Length < 8) throw Invalid(path, "file is shorter than its header length");
        stream.ReadExactly(lengthBytes);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (length > MaxHeaderBytes || (long)length > stream.Length - 8)
            throw Invalid(path, $"header length {length} is out of range");
        var headerBytes = new byte[length];
        stream.ReadExactly(headerBytes);
        try
        {
            return (JsonNode.Parse(headerBytes) as JsonObject ?? throw Invalid(path, "header is not a JSON object"),
                8 + (long)length);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"header is not valid JSON ({e.Message})");
        }
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(JsonObject header) =>
        header[MetadataKey] is JsonObject meta
            ? meta.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    private static (long[] Shape, long Begin, long End) ParseEntry(string name, JsonNode? node, long dataLength,
        string path)
    {
        if (node is not JsonObject entry) throw Invalid(path, $"entry '{name}' is not an object");
        var dtype = entry["dtype"]?.GetValue<string>();
        if (dtype != "F32") throw Invalid(path, $"tensor '{name}' has dtype {dtype ?? "(none)"}; only F32 is supported");
        var shape = entry["shape"]?.AsArray().Select(d => d!.GetValue<long>()).ToArray()
            ?? throw Invalid(path, $"tensor '{name}' has no shape");
        var offsets = entry["data_offsets"]?.AsArray().Select(d => d!.GetValue<long>()).ToArray();
        if (offsets is not [var begin, var end] || begin < 0 || end < begin || end > dataLength)
            throw Invalid(path, $"tensor '{name}' has invalid data_offsets");
        var elements = shape.Aggregate(1L, (a, d) => a * d);
        if (shape.Any(d => d < 0) || elements * sizeof(float) != end - begin)
            throw Invalid(path, $"tensor '{name}' shape [{string.Join(", ", shape)}] does not match its byte range");
        return (shape, begin, end);
    }

    private static InvalidDataException Invalid(string path, string why) =>
        new($"'{path}' is not a valid safetensors file: {why}.");
}

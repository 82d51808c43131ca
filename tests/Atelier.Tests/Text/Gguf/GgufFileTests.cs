using System.Buffers.Binary;
using System.Text;
using Atelier.Text.Gguf;
using Xunit;

namespace Atelier.Tests.Text.Gguf;

public sealed class GgufFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atelier-gguf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void MetadataReadsBackAsWritten()
    {
        var path = Save(new GgufWriter()
            .Set("general.name", "tiny \u2581model é")
            .Set("test.u32", 4_000_000_000u)
            .Set("test.i32", -7)
            .Set("test.u64", 1UL << 40)
            .Set("test.f32", 1e-5f)
            .Set("test.yes", true)
            .Set("test.no", false)
            .Set("test.strings", ["<unk>", "\u2581a", ""])
            .Set("test.floats", [0f, -1.5f, float.MaxValue])
            .Set("test.ints", [1, -2, int.MinValue])
            .Set("test.f32", 2e-5f)); // setting a key again replaces it

        var file = GgufFile.Read(path);

        Assert.Equal(3u, file.Version);
        Assert.Equal(10, file.Metadata.Count);
        Assert.Equal("tiny \u2581model é", file.GetString("general.name"));
        Assert.Equal(4_000_000_000L, file.GetInteger("test.u32"));
        Assert.Equal(-7L, file.GetInteger("test.i32"));
        Assert.Equal(1L << 40, file.GetInteger("test.u64"));
        Assert.Equal(2e-5f, file.GetFloat("test.f32"));
        Assert.True(file.Get<bool>("test.yes"));
        Assert.False(file.Get<bool>("test.no"));
        Assert.Equal(["<unk>", "\u2581a", ""], file.Get<string[]>("test.strings")!);
        Assert.Equal([0f, -1.5f, float.MaxValue], file.Get<float[]>("test.floats")!);
        Assert.Equal([1, -2, int.MinValue], file.Get<int[]>("test.ints")!);
    }

    [Fact]
    public void TensorsReadBackExactlyOrWithinTheirTypesRounding()
    {
        var f32 = Values(2 * 3 * 32, seed: 1);
        var f16 = Values(4 * 64, seed: 2);
        var q8 = Values(3 * 64, seed: 3);
        var path = Save(new GgufWriter()
            .AddTensor("f32", f32, [2, 3, 32], GgmlType.F32)
            .AddTensor("f16", f16, [4, 64], GgmlType.F16)
            .AddTensor("q8", q8, [3, 64], GgmlType.Q8_0));

        var file = GgufFile.Read(path);

        Assert.Equal(["f32", "f16", "q8"], file.Tensors.Select(t => t.Name));
        Assert.Equal([GgmlType.F32, GgmlType.F16, GgmlType.Q8_0], file.Tensors.Select(t => t.Type));
        Assert.Equal([2L, 3, 32], file.Tensors[0].Shape);
        Assert.Equal([4L, 64], file.Tensors[1].Shape);
        Assert.Equal([3L, 64], file.Tensors[2].Shape);
        Assert.Equal([192L * 4, 256L * 2, 6L * 34], file.Tensors.Select(t => t.ByteSize));

        Assert.Equal(f32, file.ReadTensor("f32"));

        // F16 keeps 11 significant bits: round to nearest is within half a unit in the last place.
        var halves = file.ReadTensor("f16");
        for (int i = 0; i < f16.Length; i++) Assert.True(Math.Abs(halves[i] - f16[i]) <= Math.Abs(f16[i]) * (1.0 / 2048) + 1e-7);

        // Q8_0 keeps an F16 scale amax/127 per block of 32: within half a step, plus what rounding the scale to F16
        // costs the largest quantized values.
        var q8Read = file.ReadTensor("q8");
        for (int b = 0; b < q8.Length / 32; b++)
        {
            float step = q8.AsSpan(b * 32, 32).ToArray().Max(Math.Abs) / 127;
            for (int i = b * 32; i < b * 32 + 32; i++) Assert.True(Math.Abs(q8Read[i] - q8[i]) <= step * (0.5 + 127 * (1.0 / 2048)));
        }
    }

    [Fact]
    public void ShapesAreStoredInnermostFirst()
    {
        var values = Enumerable.Range(0, 3 * 5 * 32).Select(i => (float)i).ToArray();
        var path = Save(new GgufWriter().AddTensor("t", values, [3, 5, 32], GgmlType.F32));

        // With no metadata the tensor table starts right after the 24-byte header: name, rank, dimensions, type.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24))); // length of the name "t"
        Assert.Equal((byte)'t', bytes[32]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(33)));
        ulong[] dimensions = [.. Enumerable.Range(0, 3).Select(d => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(37 + 8 * d)))];
        Assert.Equal([32UL, 5, 3], dimensions);
        Assert.Equal((uint)GgmlType.F32, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(61)));

        var file = GgufFile.Read(path);
        Assert.Equal([3L, 5, 32], file.Tensors.Single().Shape);
        Assert.Equal(values, file.ReadTensor("t"));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void TensorDataIsAligned(int alignment)
    {
        var path = Save(new GgufWriter { Alignment = alignment }
            .Set("general.name", "odd length name to shift the tensor table")
            .AddTensor("a", Values(32, seed: 4), [32], GgmlType.F32)
            .AddTensor("b", Values(64, seed: 5), [2, 32], GgmlType.Q8_0) // 68 bytes, so "c" needs padding
            .AddTensor("c", Values(96, seed: 6), [3, 32], GgmlType.F16));

        var file = GgufFile.Read(path);

        // 32 is the default, which llama.cpp assumes when the key is absent.
        Assert.Equal(alignment == 32 ? null : (long?)alignment, file.GetInteger("general.alignment"));
        Assert.Equal(0, file.DataOffset % alignment);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % alignment));
        Assert.Equal([0L, 128, alignment == 32 ? 224 : 256], file.Tensors.Select(t => t.Offset));
        Assert.Equal(file.DataOffset + file.Tensors[^1].Offset + file.Tensors[^1].ByteSize, file.FileSize);
        Assert.Equal(Values(32, seed: 4), file.ReadTensor("a"));
    }

    [Theory]
    [InlineData("header")]
    [InlineData("metadata")]
    [InlineData("tensor table")]
    [InlineData("tensor data")]
    public void ATruncatedFileIsReportedAsTruncated(string cutIn)
    {
        var path = Save(new GgufWriter()
            .Set("general.name", "truncated")
            .Set("tokenizer.ggml.tokens", ["a", "b", "c"])
            .AddTensor("first.weight", Values(64, seed: 7), [2, 32], GgmlType.F32)
            .AddTensor("second.weight", Values(64, seed: 8), [2, 32], GgmlType.F32));
        var whole = GgufFile.Read(path);
        long length = cutIn switch
        {
            "header" => 16,
            "metadata" => 40,
            "tensor table" => whole.DataOffset - 40,
            _ => whole.FileSize - 1,
        };
        using (var stream = File.OpenWrite(path)) stream.SetLength(length);

        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Read(path));
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("png")]
    [InlineData("empty")]
    public void AForeignFileIsReportedAsNotGguf(string kind)
    {
        var path = Path.Combine(_folder, $"{kind}.gguf");
        File.WriteAllBytes(path, kind switch
        {
            "text" => Encoding.UTF8.GetBytes("These are the release notes, not a model. They are long enough for a header."),
            "png" => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[64]],
            _ => [],
        });

        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Read(path));
        Assert.Contains("not a GGUF", error.Message);
    }

    private string Save(GgufWriter writer)
    {
        var path = Path.Combine(_folder, $"{Guid.NewGuid():N}.gguf");
        writer.Save(path);
        return path;
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2))];
    }
}

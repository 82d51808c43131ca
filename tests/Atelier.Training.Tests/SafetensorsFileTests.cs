using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Atelier.Text.Training.Tests;

public sealed class SafetensorsFileTests
{
    public SafetensorsFileTests() => TorchSharpRuntime.EnsureLoaded();

    [Fact]
    public void Round_trips_tensors_and_metadata_in_the_documented_layout()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using var a = arange(6, dtype: ScalarType.Float32).view(2, 3);
        using var b = tensor(new[] { -1.5f });

        SafetensorsFile.Write(path, [("a", a), ("b.weight", b)], new Dictionary<string, string> { ["step"] = "7" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 7 * sizeof(float), bytes.Length);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd());
        Assert.Equal("F32", header.RootElement.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal("[0,24]", header.RootElement.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[24,28]", header.RootElement.GetProperty("b.weight").GetProperty("data_offsets").GetRawText());

        var read = SafetensorsFile.Read(path, out var metadata);
        Assert.Equal("7", metadata["step"]);
        Assert.Equal([2L, 3L], read["a"].shape);
        Assert.Equal(a.data<float>().ToArray(), read["a"].data<float>().ToArray());
        Assert.Equal(-1.5f, read["b.weight"].item<float>());
        foreach (var t in read.Values) t.Dispose();
    }

    [Fact]
    public void Rejects_a_truncated_file_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using var a = ones(4, 4);
        SafetensorsFile.Write(path, [("a", a)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));
        Assert.Contains("data_offsets", error.Message);
    }
}

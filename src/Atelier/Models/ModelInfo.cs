using Atelier.Text.Gguf;

namespace Atelier.Models;

/// <summary>Where a model comes from: shipped inside Atelier, or added by the user.</summary>
public enum ModelSource { Embedded, User, Path }

/// <summary>What a GGUF file says about itself, read from its header without loading the weights.</summary>
public sealed record ModelInfo(
    string Name,
    string Path,
    ModelSource Source,
    long SizeBytes,
    string Architecture,
    long ParameterCount,
    long? ContextLength,
    string Quantization,
    string? Tokenizer,
    int? VocabularySize,
    string? ChatTemplate,
    string? Card)
{
    public static ModelInfo FromFile(string name, string path, ModelSource source)
    {
        var gguf = GgufFile.Read(path);
        var arch = gguf.GetString("general.architecture") ?? "unknown";
        var fileType = gguf.GetInteger("general.file_type");
        var quantization = fileType is { } ft ? GgmlTypeInfo.FileTypeName((uint)ft)
            : gguf.Tensors.GroupBy(t => t.Type).MaxBy(g => g.Sum(t => t.ElementCount))?.Key.ToString() ?? "unknown";
        var card = Directory.GetParent(path) is { } dir
            ? new[] { "MODEL_CARD.md", "README.md" }.Select(f => System.IO.Path.Combine(dir.FullName, f)).FirstOrDefault(File.Exists)
            : null;
        return new ModelInfo(
            name, gguf.Path, source, gguf.FileSize, arch,
            gguf.Tensors.Sum(t => t.ElementCount),
            gguf.GetInteger($"{arch}.context_length"),
            quantization,
            gguf.GetString("tokenizer.ggml.model"),
            gguf.Get<string[]>("tokenizer.ggml.tokens")?.Length,
            gguf.GetString("tokenizer.chat_template"),
            card is not null && source == ModelSource.Embedded ? card : null);
    }
}

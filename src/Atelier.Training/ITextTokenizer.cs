using System.Text.Json;
using System.Text.Json.Nodes;

namespace Atelier.Text.Training;

/// <summary>Maps text to token ids and back; implemented by each tokenizer kind a model can be trained with.</summary>
public interface ITextTokenizer
{
    /// <summary>The <c>type</c> written to the tokenizer JSON, e.g. <c>char</c>.</summary>
    string Kind { get; }

    int VocabSize { get; }
    int Unk { get; }
    int Bos { get; }
    int Eos { get; }

    /// <summary>Token strings by id, as a GGUF vocabulary lists them.</summary>
    IReadOnlyList<string> Tokens { get; }

    bool IsSpecial(int id);

    int[] Encode(string text, bool addBos = false, bool addEos = false);

    /// <summary>Decodes ids to text; special tokens render as nothing, unknown ones as U+FFFD.</summary>
    string Decode(IEnumerable<int> ids);

    void Save(string path);
}

/// <summary>Loads any tokenizer saved by <see cref="ITextTokenizer.Save"/>, dispatching on its <c>type</c>.</summary>
public static class TextTokenizer
{
    public const string FileName = "tokenizer.json";

    public static ITextTokenizer Load(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"Tokenizer file '{path}' is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Tokenizer file '{path}' is not valid JSON: {e.Message}", e);
        }

        var kind = json["type"]?.GetValue<string>();
        return kind switch
        {
            CharTokenizer.TypeName => CharTokenizer.FromJson(json, path),
            Tokenizers.ByteLevelBpeTokenizer.TypeName => BpeTokenizer.FromJson(json),
            _ => throw new InvalidDataException($"Tokenizer file '{path}' has unsupported type '{kind ?? "(none)"}'."),
        };
    }
}

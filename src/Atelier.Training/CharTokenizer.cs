using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Atelier.Text.Training;

/// <summary>
/// One token per Unicode scalar value (so characters outside the BMP, common in classical Chinese, stay whole), with
/// byte fallback: a character outside the vocabulary becomes the tokens of its UTF-8 bytes, exactly as llama.cpp's
/// SentencePiece-style tokenizer does, so an exported model tokenizes in llama.cpp as it did in training.
/// </summary>
/// <remarks>
/// Ids: <c>&lt;unk&gt;</c> = 0, <c>&lt;s&gt;</c> = 1, <c>&lt;/s&gt;</c> = 2 (the llama.cpp convention), then
/// <c>&lt;pad&gt;</c> when requested, then the 256 byte tokens <c>&lt;0x00&gt;</c> … <c>&lt;0xFF&gt;</c>, then characters
/// by descending frequency with ties broken by code point, so the same corpus always yields the same vocabulary.
/// </remarks>
public sealed class CharTokenizer : ITextTokenizer
{
    public const string TypeName = "char";
    public const string UnkToken = "<unk>";
    public const string BosToken = "<s>";
    public const string EosToken = "</s>";
    public const string PadToken = "<pad>";

    private readonly string[] _tokens;
    private readonly Dictionary<int, int> _idByRune;
    private readonly int _specialCount;

    /// <summary>Id of the byte token <c>&lt;0x00&gt;</c>; byte b is <c>FirstByteToken + b</c>.</summary>
    public int FirstByteToken => _specialCount;

    public const int ByteTokenCount = 256;

    public static string ByteToken(int b) => $"<0x{b:X2}>";

    public string Kind => TypeName;
    public int VocabSize => _tokens.Length;
    public int Unk => 0;
    public int Bos => 1;
    public int Eos => 2;

    /// <summary>Id of <c>&lt;pad&gt;</c>, or null when the vocabulary has none.</summary>
    public int? Pad { get; }

    public IReadOnlyList<string> Tokens => _tokens;

    private CharTokenizer(IEnumerable<string> characters, bool includePad)
    {
        var specials = includePad ? new[] { UnkToken, BosToken, EosToken, PadToken } : [UnkToken, BosToken, EosToken];
        _specialCount = specials.Length;
        Pad = includePad ? 3 : null;
        _tokens = [.. specials, .. Enumerable.Range(0, ByteTokenCount).Select(ByteToken), .. characters];
        _idByRune = new Dictionary<int, int>();
        for (var id = _specialCount + ByteTokenCount; id < _tokens.Length; id++)
        {
            if (!Rune.TryGetRuneAt(_tokens[id], 0, out var rune) || rune.Utf16SequenceLength != _tokens[id].Length)
                throw new InvalidDataException($"Character token {id} ('{_tokens[id]}') is not a single character.");
            if (!_idByRune.TryAdd(rune.Value, id))
                throw new InvalidDataException($"Character token {id} ('{_tokens[id]}') is duplicated.");
        }
    }

    /// <summary>
    /// Builds a vocabulary from <paramref name="documents"/>, keeping the <paramref name="maxCharacters"/> most frequent
    /// characters (all when null); rarer ones encode as their UTF-8 bytes. The vocabulary size is that plus the
    /// special and byte tokens.
    /// </summary>
    public static CharTokenizer Build(IEnumerable<string> documents, int? maxCharacters = null, bool includePad = false)
    {
        if (maxCharacters is <= 0) throw new ArgumentOutOfRangeException(nameof(maxCharacters), "Must be positive.");
        var counts = new Dictionary<int, long>();
        foreach (var document in documents)
        {
            foreach (var rune in document.EnumerateRunes())
                counts[rune.Value] = counts.GetValueOrDefault(rune.Value) + 1;
        }
        var characters = counts
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key)
            .Take(maxCharacters ?? int.MaxValue)
            .Select(kv => char.ConvertFromUtf32(kv.Key));
        return new CharTokenizer(characters, includePad);
    }

    public bool IsSpecial(int id) => id >= 0 && id < _specialCount;

    public bool IsByte(int id) => id >= FirstByteToken && id < FirstByteToken + ByteTokenCount;

    public int[] Encode(string text, bool addBos = false, bool addEos = false)
    {
        var ids = new List<int>(text.Length + 2);
        if (addBos) ids.Add(Bos);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (_idByRune.TryGetValue(rune.Value, out var id))
            {
                ids.Add(id);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < length; i++) ids.Add(FirstByteToken + utf8[i]);
        }
        if (addEos) ids.Add(Eos);
        return [.. ids];
    }

    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (var id in ids)
        {
            if (id < 0 || id >= _tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary.");
            if (IsByte(id)) { bytes.Add((byte)(id - FirstByteToken)); continue; }
            FlushBytes();
            if (id == Unk) text.Append('\uFFFD');
            else if (!IsSpecial(id)) text.Append(_tokens[id]);
        }
        FlushBytes();
        return text.ToString();
    }

    public void Save(string path)
    {
        var json = new JsonObject
        {
            ["type"] = TypeName,
            ["version"] = 2,
            ["specials"] = new JsonObject
            {
                ["unk"] = Unk,
                ["bos"] = Bos,
                ["eos"] = Eos,
                ["pad"] = Pad,
            },
            ["tokens"] = new JsonArray(_tokens.Select(t => (JsonNode?)t).ToArray()),
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            // Keeps CJK vocabularies readable; the file is data, never embedded in HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
    }

    public static CharTokenizer Load(string path) =>
        TextTokenizer.Load(path) as CharTokenizer
        ?? throw new InvalidDataException($"Tokenizer file '{path}' is not a character tokenizer.");

    internal static CharTokenizer FromJson(JsonObject json, string path)
    {
        var tokens = json["tokens"]?.AsArray().Select(t => t?.GetValue<string>() ?? "").ToArray()
            ?? throw new InvalidDataException($"Tokenizer file '{path}' has no 'tokens' array.");
        var includePad = json["specials"]?["pad"] is not null;
        var specialCount = includePad ? 4 : 3;
        string[] expected = includePad ? [UnkToken, BosToken, EosToken, PadToken] : [UnkToken, BosToken, EosToken];
        if (tokens.Length < specialCount || !tokens.Take(specialCount).SequenceEqual(expected))
            throw new InvalidDataException(
                $"Tokenizer file '{path}' must start with the special tokens {string.Join(" ", expected)}.");
        if (tokens.Length < specialCount + ByteTokenCount
            || !tokens.Skip(specialCount).Take(ByteTokenCount).SequenceEqual(Enumerable.Range(0, ByteTokenCount).Select(ByteToken)))
            throw new InvalidDataException($"Tokenizer file '{path}' lacks the 256 byte tokens after the special tokens.");
        return new CharTokenizer(tokens.Skip(specialCount + ByteTokenCount), includePad);
    }
}

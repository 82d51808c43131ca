using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Atelier.Text.Training;

/// <summary>
/// A trained text model on disk: <c>config.json</c> (model shape and, for training checkpoints, the training state),
/// <c>model.safetensors</c> (weights under the module names), and <c>tokenizer.json</c>.
/// </summary>
public static class TextModelCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    private const string Format = "atelier-text-model";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Loads a model for inference or export; the caller disposes the model.</summary>
    public static (LlamaModel Model, ITextTokenizer Tokenizer) Load(string directory)
    {
        var config = ReadConfig(directory);
        var tokenizer = TextTokenizer.Load(Path.Combine(directory, TextTokenizer.FileName));
        if (tokenizer.VocabSize != config.VocabSize)
            throw new InvalidDataException(
                $"'{directory}': tokenizer has {tokenizer.VocabSize} tokens but the model expects {config.VocabSize}.");
        TorchSharpRuntime.EnsureLoaded();
        var model = new LlamaModel(config);
        try
        {
            LoadWeights(model, Path.Combine(directory, WeightsFile));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, tokenizer);
    }

    public static TransformerConfig ReadConfig(string directory) =>
        ReadConfigJson(directory)["model"].Deserialize<TransformerConfig>(Json)
        ?? throw new InvalidDataException($"'{Path.Combine(directory, ConfigFile)}' has no model configuration.");

    /// <summary>
    /// Writes weights and tokenizer, then <c>config.json</c> last, so a directory with a config always has both.
    /// </summary>
    internal static void Save(string directory, LlamaModel model, ITextTokenizer tokenizer, JsonNode? training)
    {
        Directory.CreateDirectory(directory);
        SafetensorsFile.Write(Path.Combine(directory, WeightsFile),
            model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)),
            new Dictionary<string, string> { ["format"] = "pt" });
        tokenizer.Save(Path.Combine(directory, TextTokenizer.FileName));
        var config = new JsonObject
        {
            ["format"] = Format,
            ["version"] = 1,
            ["model"] = JsonSerializer.SerializeToNode(model.Config, Json),
            ["tokenizer"] = TextTokenizer.FileName,
            ["training"] = training,
        };
        WriteAtomically(Path.Combine(directory, ConfigFile), config.ToJsonString(Json));
    }

    internal static JsonObject ReadConfigJson(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"No model checkpoint in '{directory}' ({ConfigFile} is missing).", path);
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (json?["format"]?.GetValue<string>() != Format)
                throw new InvalidDataException($"'{path}' is not an {Format} configuration.");
            return json;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    internal static void LoadWeights(LlamaModel model, string path)
    {
        var tensors = SafetensorsFile.Read(path);
        try
        {
            using var noGrad = no_grad();
            var parameters = model.named_parameters().ToList();
            var missing = parameters.Select(p => p.name).Where(n => !tensors.ContainsKey(n)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"'{path}' lacks {missing.Count} weights, e.g. '{missing[0]}'.");
            foreach (var (name, parameter) in parameters)
            {
                var source = tensors[name];
                if (!source.shape.SequenceEqual(parameter.shape))
                    throw new InvalidDataException(
                        $"'{path}': weight '{name}' is [{string.Join(", ", source.shape)}], expected [{string.Join(", ", parameter.shape)}].");
                parameter.copy_(source);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    internal static void WriteAtomically(string path, string contents)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, contents);
        File.Move(temp, path, overwrite: true);
    }
}

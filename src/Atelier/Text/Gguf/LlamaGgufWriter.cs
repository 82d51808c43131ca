namespace Atelier.Text.Gguf;

/// <summary>
/// Writes a complete Llama-architecture model — hyperparameters, tokenizer and weights — as a GGUF file llama.cpp runs.
/// Used to export models trained in Atelier and to make small test models with known or seeded random weights.
/// </summary>
public static class LlamaGgufWriter
{
    /// <summary>ChatML, which llama.cpp recognises by its markers; used when a model brings no template of its own.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <param name="tensors">Weights by GGUF tensor name, row-major in the shapes of <see cref="LlamaHyperparameters.TensorShapes"/>.</param>
    /// <param name="type">F32, F16 or Q8_0 for the 2-D weights; norms always stay F32, as llama.cpp requires.</param>
    public static void Write(
        string path, string name, LlamaHyperparameters hp, GgufVocabulary vocabulary,
        IReadOnlyDictionary<string, float[]> tensors, GgmlType type = GgmlType.F32, string? chatTemplate = ChatMlTemplate,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        hp.Validate();
        if (vocabulary.Count != hp.VocabSize)
            throw new ArgumentException($"the vocabulary has {vocabulary.Count} tokens but the model expects {hp.VocabSize}");
        var writer = new GgufWriter()
            .Set("general.architecture", "llama")
            .Set("general.name", name)
            .Set("general.file_type", type switch { GgmlType.F32 => 0u, GgmlType.F16 => 1u, GgmlType.Q8_0 => 7u,
                _ => throw new ArgumentException($"unsupported export type {type}") })
            .Set("general.quantization_version", 2u)
            .Set("llama.vocab_size", (uint)hp.VocabSize)
            .Set("llama.context_length", (uint)hp.ContextLength)
            .Set("llama.embedding_length", (uint)hp.EmbeddingLength)
            .Set("llama.block_count", (uint)hp.BlockCount)
            .Set("llama.feed_forward_length", (uint)hp.FeedForwardLength)
            .Set("llama.attention.head_count", (uint)hp.HeadCount)
            .Set("llama.attention.head_count_kv", (uint)hp.HeadCountKv)
            .Set("llama.rope.dimension_count", (uint)hp.HeadDim)
            .Set("llama.rope.freq_base", hp.RopeTheta)
            .Set("llama.attention.layer_norm_rms_epsilon", hp.RmsEpsilon);
        vocabulary.WriteTo(writer);
        if (chatTemplate is not null) writer.Set("tokenizer.chat_template", chatTemplate);
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) writer.Set(key, value);

        foreach (var (tensorName, shape) in hp.TensorShapes())
        {
            if (!tensors.TryGetValue(tensorName, out var values))
                throw new ArgumentException($"the weights lack tensor {tensorName}");
            writer.AddTensor(tensorName, values, shape, shape.Length == 1 ? GgmlType.F32 : type);
        }
        writer.Save(path);
    }

    /// <summary>Seeded random weights (normal, scaled by 1/sqrt(fan-in); norms at 1): a model with a known, reproducible state.</summary>
    public static Dictionary<string, float[]> RandomWeights(LlamaHyperparameters hp, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var tensors = new Dictionary<string, float[]>();
        foreach (var (name, shape) in hp.TensorShapes())
        {
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            if (shape.Length == 1)
            {
                for (int i = 0; i < values.Length; i++) values[i] = 1f + 0.1f * (float)Normal(random);
            }
            else
            {
                float std = scale / MathF.Sqrt(shape[1]);
                for (int i = 0; i < values.Length; i++) values[i] = std * (float)Normal(random);
            }
            tensors[name] = values;
        }
        return tensors;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

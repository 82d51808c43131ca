using Atelier.Text.Gguf;
using TorchSharp;

namespace Atelier.Text.Training;

/// <summary>
/// Turns a training checkpoint into a GGUF file llama.cpp runs: the same weights under llama.cpp's tensor names, and the
/// tokenizer stored so that llama.cpp splits text into exactly the ids the model was trained on.
/// </summary>
public static class GgufExport
{
    public static void Export(string checkpointDirectory, string outputPath, GgmlType type = GgmlType.F32, string? name = null)
    {
        var (model, tokenizer) = TextModelCheckpoint.Load(checkpointDirectory);
        using var _ = model;
        var c = model.Config;
        var hp = new LlamaHyperparameters(c.VocabSize, c.ContextLength, c.Dim, c.Layers, c.FeedForwardDim, c.Heads, c.KvHeads,
            (float)c.RmsNormEps, (float)c.RopeTheta);
        var tensors = new Dictionary<string, float[]>();
        using (torch.no_grad())
        {
            foreach (var (ggufName, weight) in model.GgufTensors())
                tensors[ggufName] = weight.detach().cpu().contiguous().data<float>().ToArray();
        }
        name ??= Path.GetFileName(Path.GetFullPath(checkpointDirectory).TrimEnd('/'));
        LlamaGgufWriter.Write(outputPath, name, hp, Vocabulary(tokenizer), tensors, type, chatTemplate: null,
            new Dictionary<string, string> { ["general.source.checkpoint"] = Path.GetFileName(checkpointDirectory.TrimEnd('/')) });
        // The copying check travels with the model: the index itself, or the description of the data to rebuild it from.
        var stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, Path.GetFileNameWithoutExtension(outputPath));
        foreach (var file in new[] { CopyIndexes.FileName, TrainingData.FileName })
        {
            var source = Path.Combine(checkpointDirectory, file);
            if (File.Exists(source)) File.Copy(source, $"{stem}.{file}", overwrite: true);
        }
    }

    /// <summary>The tokenizer as GGUF metadata: characters as a SentencePiece-style vocabulary with byte fallback, BPE as GPT-2's.</summary>
    public static GgufVocabulary Vocabulary(ITextTokenizer tokenizer) => tokenizer switch
    {
        CharTokenizer chars => CharacterVocabulary(chars),
        BpeTokenizer bpe => bpe.Bpe.ToGgufVocabulary(),
        _ => throw new ArgumentException($"exporting a '{tokenizer.Kind}' tokenizer to GGUF is not supported"),
    };

    private static GgufVocabulary CharacterVocabulary(CharTokenizer tokenizer)
    {
        var tokens = new List<string>(tokenizer.VocabSize);
        var types = new List<int>(tokenizer.VocabSize);
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            var token = tokenizer.Tokens[id];
            if (id == tokenizer.Unk) { tokens.Add(token); types.Add(GgufVocabulary.Unknown); }
            else if (tokenizer.IsSpecial(id)) { tokens.Add(token); types.Add(GgufVocabulary.Control); }
            else if (tokenizer.IsByte(id)) { tokens.Add(token); types.Add(GgufVocabulary.Byte); }
            // SentencePiece spells a space as U+2581; llama.cpp turns it back into a space when decoding.
            else { tokens.Add(token.Replace(' ', '\u2581')); types.Add(GgufVocabulary.Normal); }
        }
        var scores = tokens.Select(_ => 0f).ToArray();
        return new GgufVocabulary("llama", "default", tokens, types, scores, null, tokenizer.Bos, tokenizer.Eos, tokenizer.Unk,
            AddBos: true, AddSpacePrefix: false);
    }
}

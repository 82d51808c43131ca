using System.Text.Json.Nodes;
using Atelier.Text.Tokenizers;

namespace Atelier.Text.Training;

/// <summary>The byte-level BPE tokenizer as a training tokenizer; <c>&lt;|endoftext|&gt;</c> is both start and end.</summary>
public sealed class BpeTokenizer(ByteLevelBpeTokenizer bpe) : ITextTokenizer
{
    public ByteLevelBpeTokenizer Bpe { get; } = bpe;
    public string Kind => ByteLevelBpeTokenizer.TypeName;
    public int VocabSize => Bpe.VocabSize;

    // Byte-level BPE spells every text, so no token ever stands for an unknown one; the end token is the closest meaning.
    public int Unk => Bpe.Eos;
    public int Bos => Bpe.Bos;
    public int Eos => Bpe.Eos;
    public IReadOnlyList<string> Tokens => Bpe.Tokens;
    public bool IsSpecial(int id) => Bpe.IsSpecial(id);
    public int[] Encode(string text, bool addBos = false, bool addEos = false) => Bpe.Encode(text, addBos, addEos);
    public string Decode(IEnumerable<int> ids) => Bpe.Decode(ids);
    public void Save(string path) => Bpe.Save(path);

    public static BpeTokenizer Train(IEnumerable<string> documents, int vocabSize) => new(ByteLevelBpeTokenizer.Train(documents, vocabSize));

    internal static BpeTokenizer FromJson(JsonObject json) => new(ByteLevelBpeTokenizer.FromJson(json));
}

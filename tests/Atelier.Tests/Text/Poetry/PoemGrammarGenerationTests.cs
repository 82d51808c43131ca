using System.Text;
using Atelier.Models;
using Atelier.Text;
using Atelier.Text.Gguf;
using Atelier.Text.Poetry;
using LLama.Native;
using Xunit.Abstractions;

namespace Atelier.Tests.Text.Poetry;

/// <summary>
/// A tiny character-level model (random weights) whose vocabulary is the 400 most frequent characters of 2,000 Tang poems
/// plus the punctuation of the training format: untrained, it writes anything, so every poem of the right form comes
/// from the grammar, as llama.cpp applies it.
/// </summary>
public sealed class PoetryModelFixture : IDisposable
{
    public const string Name = "tiny-poet";

    private readonly string _home = Directory.CreateTempSubdirectory("atelier-poetry-").FullName;
    private readonly LlamaModelCache _cache = new();
    private readonly string _file;

    public PoetryModelFixture()
    {
        Characters = ChinesePoetrySample.TangPoems.SelectMany(p => p.Body).Where(PoemFormGrammar.IsIdeograph)
            .GroupBy(c => c).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Take(400).Select(g => g.Key).ToArray();
        var vocabulary = GgufVocabulary.Characters(Characters.Select(c => c.ToString()).Concat(["，", "。", "\n", "《", "》"]));
        var hp = new LlamaHyperparameters(vocabulary.Count, ContextLength: 256, EmbeddingLength: 32, BlockCount: 1,
            FeedForwardLength: 64, HeadCount: 2, HeadCountKv: 2);
        _file = Path.Combine(_home, "models", Name, Name + ".gguf");
        LlamaGgufWriter.Write(_file, Name, hp, vocabulary, LlamaGgufWriter.RandomWeights(hp, seed: 7, scale: 2f));
        Generator = new TextGenerator(new ModelCatalog(Path.Combine(_home, "models"), embeddedFolder: null), _cache);
    }

    public char[] Characters { get; }

    public TextGenerator Generator { get; }

    // One thread: llama.cpp's threads spin while they wait for each other, and on a busy machine a model this small
    // then takes seconds a poem instead of milliseconds.
    public string Generate(string prompt, string? grammar, uint seed, int maxTokens = 100) =>
        Generator.Generate(new TextRequest(Name, prompt, new TextGenerationOptions
        {
            Grammar = grammar, Seed = seed, MaxTokens = maxTokens, Context = 256, Threads = 1,
        })).Text;

    /// <summary>
    /// Whether llama.cpp's grammar sampler lets <paramref name="text"/> through token by token and then allows the end of
    /// generation. Each token is checked against the sampler's output before it is accepted, because accepting a token
    /// the grammar forbids aborts inside llama.cpp.
    /// </summary>
    public bool GrammarAccepts(string grammar, string text)
    {
        using var lease = _cache.Acquire(_file);
        var weights = lease.Model.Weights;
        var vocab = weights.NativeHandle.Vocab;
        using var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        chain.AddGrammar(weights.NativeHandle, grammar, "root");
        var end = vocab.EOS ?? throw new InvalidOperationException("the model has no end token");
        foreach (var token in weights.Tokenize(text, false, false, Encoding.UTF8).Append(end))
        {
            var candidates = LLamaTokenDataArray.Create(new float[vocab.Count]);
            using (LLamaTokenDataArrayNative.Create(candidates, out var native)) chain.Apply(ref native);
            var allowed = candidates.Data.Span.ToArray().Where(t => !float.IsNegativeInfinity(t.Logit)).Select(t => t.ID);
            if (!allowed.Contains(token)) return false;
            if (token != end) chain.Accept(token);
        }
        return true;
    }

    public void Dispose()
    {
        _cache.Dispose();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }
}

public sealed class PoemGrammarGenerationTests(PoetryModelFixture model, ITestOutputHelper output) : IClassFixture<PoetryModelFixture>
{
    private const int PoemsPerForm = 20;
    private static readonly string Header = PoemFormGrammar.Prompt("春望", "杜甫");

    [Theory]
    [InlineData("wujue")]
    [InlineData("qijue")]
    [InlineData("wulv")]
    [InlineData("qilv")]
    public void EveryPoemHasTheForm(string name)
    {
        var form = PoemForm.Parse(name);
        var grammar = PoemFormGrammar.Build(form);
        var poems = Enumerable.Range(1, PoemsPerForm).Select(seed => model.Generate(Header, grammar, (uint)seed)).ToList();
        output.WriteLine(poems[0]);
        Assert.All(poems, poem => Assert.True(PoemFormChecker.Check(poem, form), $"not a {form}: {poem}"));
        Assert.True(poems.Distinct().Count() > PoemsPerForm / 2, "the seeds should give different poems");
    }

    [Theory]
    [InlineData("wujue")]
    [InlineData("qijue")]
    [InlineData("wulv")]
    [InlineData("qilv")]
    public void EveryPoemRhymesWithTheRhymeGrammar(string name)
    {
        var form = PoemForm.Parse(name);
        var rhymes = RhymeTable.Load().Restrict(model.Characters);
        var grammar = PoemFormGrammar.Build(form, rhymes);
        var poems = Enumerable.Range(1, PoemsPerForm).Select(seed => model.Generate(Header, grammar, (uint)seed)).ToList();
        output.WriteLine($"{rhymes.Groups.Count} groups, grammar {grammar.Length} characters");
        output.WriteLine(poems[0]);
        Assert.All(poems, poem => Assert.True(PoemFormChecker.RhymesOk(poem, form, rhymes), $"not a rhyming {form}: {poem}"));
        Assert.True(poems.Select(p => rhymes.GroupOf(p[2 * form.CharactersPerLine])).Distinct().Count() > 1,
            "the model should choose among the rhyme groups");
    }

    [Fact]
    public void WithoutTheGrammarTheModelKeepsNoForm()
    {
        var poems = Enumerable.Range(1, PoemsPerForm).Select(seed => model.Generate(Header, null, (uint)seed, maxTokens: 30));
        Assert.DoesNotContain(poems, poem => PoemFormChecker.Check(poem, PoemForm.Wujue));
    }

    [Fact]
    public void ATitlePrefixIsWrittenBeforeTheBody()
    {
        var grammar = PoemFormGrammar.Build(PoemForm.Wujue, titlePrefix: "春望》杜甫\n");
        var poem = model.Generate("《", grammar, seed: 3);
        Assert.StartsWith("春望》杜甫\n", poem);
        Assert.True(PoemFormChecker.Check(poem["春望》杜甫\n".Length..], PoemForm.Wujue), poem);
    }
}

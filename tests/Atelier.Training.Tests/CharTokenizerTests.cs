namespace Atelier.Text.Training.Tests;

public sealed class CharTokenizerTests
{
    [Fact]
    public void Round_trips_text_including_characters_outside_the_bmp()
    {
        const string text = "床前明月光，\n疑是地上霜。𠀋 hello";
        var tokenizer = CharTokenizer.Build([text]);

        var ids = tokenizer.Encode(text, addBos: true, addEos: true);

        Assert.Equal(tokenizer.Bos, ids[0]);
        Assert.Equal(tokenizer.Eos, ids[^1]);
        Assert.Equal(text.EnumerateRunes().Count() + 2, ids.Length);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Orders_by_frequency_then_code_point_and_spells_rare_characters_in_bytes()
    {
        var tokenizer = CharTokenizer.Build(["aaabbbcd", "c"], maxCharacters: 3);

        Assert.Equal(["<unk>", "<s>", "</s>"], tokenizer.Tokens.Take(3));
        Assert.Equal(["<0x00>", "<0xFF>"], new[] { tokenizer.Tokens[3], tokenizer.Tokens[258] });
        Assert.Equal(["a", "b", "c"], tokenizer.Tokens.Skip(259));
        Assert.Equal([259, 260, 261, tokenizer.FirstByteToken + 'd'], tokenizer.Encode("abcd"));
        Assert.Equal([259, tokenizer.FirstByteToken + 0xE6, tokenizer.FirstByteToken + 0xBC, tokenizer.FirstByteToken + 0xA2], tokenizer.Encode("a漢"));
        Assert.Equal("abcd漢", tokenizer.Decode(tokenizer.Encode("abcd漢")));
    }

    [Fact]
    public void Saves_and_loads_the_same_vocabulary()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "tokenizer.json");
        var original = CharTokenizer.Build(["漢字 and text\n"], includePad: true);

        original.Save(path);
        var loaded = TextTokenizer.Load(path);

        Assert.IsType<CharTokenizer>(loaded);
        Assert.Equal(original.Tokens, loaded.Tokens);
        Assert.Equal(3, ((CharTokenizer)loaded).Pad);
        Assert.Equal(4, ((CharTokenizer)loaded).FirstByteToken);
        Assert.Contains("漢", File.ReadAllText(path));
        Assert.Equal(original.Encode("text 漢字"), loaded.Encode("text 漢字"));
    }

    [Fact]
    public void Rejects_an_unknown_tokenizer_type()
    {
        using var dir = new TempDirectory();
        var path = dir.File("tokenizer.json", """{"type":"sentencepiece","tokens":[]}""");

        var error = Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(path));
        Assert.Contains("sentencepiece", error.Message);
    }
}

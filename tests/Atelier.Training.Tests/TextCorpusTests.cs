namespace Atelier.Text.Training.Tests;

public sealed class TextCorpusTests
{
    [Fact]
    public void Folder_loader_reads_txt_and_md_in_path_order()
    {
        using var dir = new TempDirectory();
        dir.File("b.md", "# B\r\nsecond");
        dir.File("a.txt", "first");
        dir.File("sub/c.txt", "third");
        dir.File("ignored.json", "{}");

        var corpus = TextCorpus.FromDirectory(dir.Path);

        Assert.Equal(["a.txt", "b.md", Path.Combine("sub", "c.txt")], corpus.Documents.Select(d => d.Id));
        Assert.Equal("# B\nsecond", corpus.Documents[1].Text);
    }

    [Fact]
    public void Folder_loader_cuts_long_files_at_line_breaks()
    {
        using var dir = new TempDirectory();
        var line = new string('x', 99) + "\n";
        dir.File("long.txt", string.Concat(Enumerable.Repeat(line, 500)));

        var corpus = TextCorpus.FromDirectory(dir.Path);

        Assert.True(corpus.Documents.Count > 2);
        Assert.All(corpus.Documents, d => Assert.True(d.Text.Length <= TextCorpus.ChunkCharacters));
        Assert.All(corpus.Documents.SkipLast(1), d => Assert.EndsWith("\n", d.Text));
        Assert.Equal(50_000, corpus.Documents.Sum(d => d.Text.Length));
    }

    [Fact]
    public void Folder_loader_reports_a_folder_without_text_files()
    {
        using var dir = new TempDirectory();
        dir.File("data.csv", "a,b");

        var error = Assert.Throws<InvalidDataException>(() => TextCorpus.FromDirectory(dir.Path));
        Assert.Contains("no .txt or .md files", error.Message);
    }

    [Fact]
    public void Jsonl_loader_names_the_line_without_a_text_field()
    {
        using var dir = new TempDirectory();
        var path = dir.File("data.jsonl", "{\"text\":\"one\"}\n\n{\"body\":\"two\"}\n");

        var error = Assert.Throws<InvalidDataException>(() => TextCorpus.FromJsonl(path));
        Assert.Contains("data.jsonl:3", error.Message);
        Assert.Contains("\"text\"", error.Message);
    }

    [Fact]
    public void Jsonl_loader_names_the_line_with_invalid_json()
    {
        using var dir = new TempDirectory();
        var path = dir.File("data.jsonl", "{\"text\":\"one\"}\n{oops\n");

        var error = Assert.Throws<InvalidDataException>(() => TextCorpus.FromJsonl(path));
        Assert.Contains("data.jsonl:2", error.Message);
    }

    [Fact]
    public void Split_is_reproducible_and_holds_out_about_the_requested_fraction()
    {
        var documents = Enumerable.Range(0, 2000).Select(i => new TextDocument($"d{i}", $"document {i}")).ToList();
        var corpus = new TextCorpus(documents);
        var reversed = new TextCorpus(documents.AsEnumerable().Reverse().ToList());

        var (train, heldOut) = corpus.Split(0.05);
        var (_, heldOutAgain) = reversed.Split(0.05);

        Assert.InRange(heldOut.Count, 60, 140);
        Assert.Equal(2000, train.Count + heldOut.Count);
        Assert.Equal(heldOut.Select(d => d.Id).Order(), heldOutAgain.Select(d => d.Id).Order());
    }

    [Fact]
    public void Split_holds_out_at_least_one_document_of_a_small_corpus()
    {
        var corpus = new TextCorpus([new("a", "alpha"), new("b", "beta"), new("c", "gamma")]);

        var (train, heldOut) = corpus.Split();

        Assert.Single(heldOut);
        Assert.Equal(2, train.Count);
    }

    [Fact]
    public void Chinese_poetry_loader_formats_poems_from_the_package_layout()
    {
        using var dir = new TempDirectory();
        dir.File("dist/quantangshi/poet.tang.1000.json",
            """[{"author":"王之渙","paragraphs":["白日依山盡，黃河入海流。"],"title":"登鸛雀樓"}]""");
        dir.File("dist/quantangshi/poet.tang.0.json", """
            [{"author":"李白","paragraphs":["床前明月光，疑是地上霜。","舉頭望明月，低頭思故鄉。"],"title":"靜夜思"},
             {"author":"無名","paragraphs":[],"title":"空"}]
            """);
        dir.File("dist/quantangshi/error/poet.tang.0.json", """[{"author":"x","paragraphs":["錯"],"title":"錯"}]""");
        dir.File("dist/songci/ci.song.0.json", """[{"author":"苏轼","paragraphs":["明月几时有？把酒问青天。"],"rhythmic":"水调歌头"}]""");

        var shi = ChinesePoetryCorpus.Load(dir.Path, new ChinesePoetryOptions { SongShi = false });
        var ci = ChinesePoetryCorpus.Load(dir.Path, new ChinesePoetryOptions { TangShi = false, SongShi = false, SongCi = true });

        Assert.Equal(["《靜夜思》李白\n床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。", "《登鸛雀樓》王之渙\n白日依山盡，黃河入海流。"],
            shi.Documents.Select(d => d.Text));
        Assert.Equal("《水调歌头》苏轼\n明月几时有？把酒问青天。", Assert.Single(ci.Documents).Text);
    }

    [Fact]
    public void Chinese_poetry_loader_reports_an_empty_package()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<InvalidDataException>(() => ChinesePoetryCorpus.Load(dir.Path, new ChinesePoetryOptions()));
        Assert.Contains("No poems", error.Message);
    }

    [Fact]
    public void Traditional_to_simplified_uses_phrases_before_characters()
    {
        var converter = new TraditionalToSimplified(["頭髮\t头发", "髮\t发 髪", "頭\t头", "舉\t举"]);

        Assert.Equal("举头发𠀋 头", converter.Convert("舉頭髮𠀋 頭"));
    }

    [Fact]
    public void Traditional_to_simplified_with_the_system_opencc_tables()
    {
        // Only where OpenCC's data is installed (Debian: apt-get install opencc).
        if (TraditionalToSimplified.FindDataFolder() is null) return;

        var converter = TraditionalToSimplified.Load();

        Assert.Equal("举头望明月，低头思故乡。", converter.Convert("舉頭望明月，低頭思故鄉。"));
    }
}

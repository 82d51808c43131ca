using System.Text.Json;

namespace Atelier.Tests.Cli;

[Collection(ModelCollection.Name)]
public sealed class ModelsCliTests(TestModels models)
{
    [Fact]
    public void List_and_info_read_the_gguf_header()
    {
        var list = JsonDocument.Parse(CliRunner.Run(models.Home, "models", "list", "--json").Stdout).RootElement;
        var names = list.EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Contains(TestModels.Gpt2, names);
        Assert.Contains(TestModels.Ascii, names);

        var info = JsonDocument.Parse(CliRunner.Run(models.Home, "models", "info", TestModels.Gpt2, "--json").Stdout).RootElement;
        Assert.Equal("llama", info.GetProperty("architecture").GetString());
        Assert.Equal(256, info.GetProperty("context_length").GetInt32());
        Assert.Equal("F32", info.GetProperty("quantization").GetString());
        Assert.Equal("gpt2", info.GetProperty("tokenizer").GetString());
        Assert.Equal(50257, info.GetProperty("vocabulary_size").GetInt32());
        Assert.Contains("<|im_start|>", info.GetProperty("chat_template").GetString());
        long expected = 2L * 50257 * 64 + 64 + 2 * (64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 64 + 3 * 160 * 64);
        Assert.Equal(expected, info.GetProperty("parameters").GetInt64());
    }

    [Fact]
    public void Add_then_remove_a_model()
    {
        var home = Directory.CreateTempSubdirectory("atelier-add-").FullName;
        try
        {
            var added = CliRunner.Run(home, "models", "add", models.PathOf(TestModels.Ascii), "--name", "copy", "--json");
            Assert.Equal(0, added.ExitCode);
            Assert.True(File.Exists(Path.Combine(home, "models", "copy", "copy.gguf")));
            var gen = CliRunner.Run(home, "generate", "text", "Hi", "--model", "copy", "--max-tokens", "4", "--json");
            Assert.Equal(0, gen.ExitCode);

            Assert.Equal(0, CliRunner.Run(home, "models", "remove", "copy").ExitCode);
            Assert.False(Directory.Exists(Path.Combine(home, "models", "copy")));
            Assert.Equal(2, CliRunner.Run(home, "models", "info", "copy").ExitCode);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void Adding_a_damaged_file_leaves_nothing_behind()
    {
        var home = Directory.CreateTempSubdirectory("atelier-add-").FullName;
        try
        {
            var broken = Path.Combine(home, "broken.gguf");
            var bytes = File.ReadAllBytes(models.PathOf(TestModels.Ascii));
            File.WriteAllBytes(broken, bytes[..(bytes.Length - 100)]);
            var r = CliRunner.Run(home, "models", "add", broken);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("truncated", r.Stderr);
            var modelsFolder = Path.Combine(home, "models");
            Assert.True(!Directory.Exists(modelsFolder) || !Directory.EnumerateFileSystemEntries(modelsFolder).Any());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void Random_writes_a_model_that_generates()
    {
        var home = Directory.CreateTempSubdirectory("atelier-random-").FullName;
        try
        {
            var r = CliRunner.Run(home, "models", "random", "rnd", "--vocab", "ascii", "--type", "q8_0", "--json");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("Q8_0", JsonDocument.Parse(r.Stdout).RootElement.GetProperty("quantization").GetString());
            Assert.Equal(0, CliRunner.Run(home, "generate", "text", "abc", "--model", "rnd", "-n", "5").ExitCode);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}

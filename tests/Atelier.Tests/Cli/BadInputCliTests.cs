namespace Atelier.Tests.Cli;

/// <summary>Every mistake a user can make gets one line on stderr naming the problem, exit code 2, and no stack trace.</summary>
[Collection(ModelCollection.Name)]
public sealed class BadInputCliTests(TestModels models)
{
    private CliRunner.Result Generate(params string[] extra) =>
        CliRunner.Run(models.Home, ["generate", "text", "hello", .. extra]);

    private static void AssertUsageError(CliRunner.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Missing_model_file() =>
        AssertUsageError(Generate("--model", "/nonexistent/model.gguf"), "model file not found: /nonexistent/model.gguf");

    [Fact]
    public void Unknown_model_name() => AssertUsageError(Generate("--model", "no-such-model"), "unknown model 'no-such-model'");

    [Fact]
    public void Truncated_model_file()
    {
        var path = Path.Combine(models.Home, "truncated.gguf");
        var bytes = File.ReadAllBytes(models.PathOf(TestModels.Ascii));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertUsageError(Generate("--model", path), "truncated");
    }

    [Fact]
    public void File_that_is_not_gguf()
    {
        var path = Path.Combine(models.Home, "notes.gguf");
        File.WriteAllText(path, "these are not model weights, just some text that is long enough");
        AssertUsageError(Generate("--model", path), "not a GGUF file");
    }

    [Fact]
    public void Prompt_longer_than_the_context()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("word", 200));
        AssertUsageError(CliRunner.Run(models.Home, "generate", "text", prompt, "--model", TestModels.Ascii, "--context", "64"),
            "context holds 64");
    }

    [Fact]
    public void Invalid_grammar()
    {
        var path = Path.Combine(models.Home, "bad.gbnf");
        File.WriteAllText(path, "root ::= \"a\" missing-rule\n");
        AssertUsageError(Generate("--model", TestModels.Ascii, "--grammar", path), "missing-rule");
    }

    [Fact]
    public void Invalid_json_schema()
    {
        var path = Path.Combine(models.Home, "bad.schema.json");
        File.WriteAllText(path, "{ \"type\": \"object\", ");
        AssertUsageError(Generate("--model", TestModels.Ascii, "--json-schema", path), "JSON schema");
    }

    [Fact]
    public void Missing_grammar_file() =>
        AssertUsageError(Generate("--model", TestModels.Ascii, "--grammar", "/nonexistent/g.gbnf"), "/nonexistent/g.gbnf");

    [Theory]
    [InlineData("--max-tokens", "-5", "--max-tokens must be at least 1")]
    [InlineData("--temperature", "-0.5", "--temperature must be 0 or more")]
    [InlineData("--top-p", "0", "--top-p must be in (0, 1]")]
    [InlineData("--top-p", "1.5", "--top-p must be in (0, 1]")]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    [InlineData("--logprobs", "50", "--logprobs must be between 0 and 20")]
    [InlineData("--max-tokens", "many", "many")]
    public void Out_of_range_options(string option, string value, string expected) =>
        AssertUsageError(Generate("--model", TestModels.Ascii, option, value), expected);

    [Fact]
    public void Unknown_option() => AssertUsageError(Generate("--colour", "blue"), "--colour");
}

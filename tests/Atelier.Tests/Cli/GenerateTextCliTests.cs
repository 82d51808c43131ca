using System.Text.Json;

namespace Atelier.Tests.Cli;

[Collection(ModelCollection.Name)]
public sealed class GenerateTextCliTests(TestModels models)
{
    [Fact]
    public void Json_output_has_text_tokens_seed_timings_and_model_identity()
    {
        var r = CliRunner.Run(models.Home, "generate", "text", "The harbour at dawn", "--model", TestModels.Gpt2,
            "--max-tokens", "12", "--seed", "5", "--logprobs", "3", "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(5u, root.GetProperty("seed").GetUInt32());
        Assert.Equal("The harbour at dawn", root.GetProperty("prompt").GetString());
        Assert.True(root.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(12, root.GetProperty("generated_tokens").GetInt32());
        Assert.Contains(root.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        var tokens = root.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal(12, tokens.Count);
        Assert.All(tokens, t =>
        {
            Assert.True(t.GetProperty("logprob").GetDouble() <= 0);
            Assert.Equal(3, t.GetProperty("alternatives").GetArrayLength());
        });
        Assert.Equal(root.GetProperty("text").GetString(), string.Concat(tokens.Select(t => t.GetProperty("text").GetString())));
        var timings = root.GetProperty("timings");
        foreach (var key in new[] { "load_ms", "prompt_tokens_per_second", "decode_tokens_per_second" })
            Assert.True(timings.GetProperty(key).GetDouble() >= 0);
        Assert.Equal(TestModels.Gpt2, root.GetProperty("model").GetProperty("name").GetString());
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("model").GetProperty("sha256").GetString());
    }

    [Fact]
    public void Same_seed_gives_identical_output_across_runs_and_different_seeds_differ()
    {
        string Run(int seed) => JsonDocument.Parse(CliRunner.Run(models.Home, "generate", "text", "Once upon a time",
            "--model", TestModels.Gpt2, "--max-tokens", "16", "--seed", seed.ToString(), "--json").Stdout)
            .RootElement.GetProperty("text").GetString()!;

        var same = Enumerable.Range(0, 5).Select(_ => Run(1234)).ToList();
        Assert.Single(same.Distinct());
        var different = new[] { 1, 2, 3, 4, 5 }.Select(Run).ToList();
        Assert.True(different.Distinct().Count() >= 4, string.Join(" | ", different));
    }

    [Fact]
    public void A_random_seed_is_chosen_and_reported_and_reproduces_the_output()
    {
        var first = JsonDocument.Parse(CliRunner.Run(models.Home, "generate", "text", "Rain", "--model", TestModels.Gpt2,
            "--max-tokens", "10", "--json").Stdout).RootElement;
        var seed = first.GetProperty("seed").GetUInt32();
        var again = JsonDocument.Parse(CliRunner.Run(models.Home, "generate", "text", "Rain", "--model", TestModels.Gpt2,
            "--max-tokens", "10", "--seed", seed.ToString(), "--json").Stdout).RootElement;
        Assert.Equal(first.GetProperty("text").GetString(), again.GetProperty("text").GetString());
    }

    [Fact]
    public void Plain_output_streams_the_text_and_reports_the_seed_on_stderr()
    {
        var r = CliRunner.Run(models.Home, "generate", "text", "Hello", "--model", TestModels.Ascii, "--max-tokens", "8", "--seed", "9");
        Assert.Equal(0, r.ExitCode);
        Assert.True(r.Stdout.TrimEnd('\n').Length > 0);
        Assert.Contains("seed 9", r.Stderr);
    }

    [Fact]
    public void Help_is_available_on_every_command()
    {
        foreach (var command in new[] { new[] { "--help" }, ["generate", "--help"], ["generate", "text", "--help"],
                     ["models", "--help"], ["models", "list", "--help"], ["models", "add", "--help"], ["models", "info", "--help"],
                     ["models", "remove", "--help"], ["models", "random", "--help"], ["bench", "text", "--help"] })
        {
            var r = CliRunner.Run(models.Home, command);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Usage", r.Stdout);
        }
    }
}

using Atelier.Text;

namespace Atelier.Tests.Text;

[Collection(ModelCollection.Name)]
public sealed class TextGeneratorTests(TestModels models)
{
    private TextResult Generate(string model, string prompt, TextGenerationOptions options) =>
        models.Generator.Generate(new TextRequest(model, prompt, options));

    [Fact]
    public void Greedy_decoding_chooses_the_top_alternative_and_probabilities_sum_to_at_most_one()
    {
        var result = Generate(TestModels.Gpt2, "The colour of the sea", new TextGenerationOptions { Temperature = 0, LogProbs = 5, MaxTokens = 24 });

        Assert.Equal(24, result.Tokens.Count);
        foreach (var token in result.Tokens)
        {
            Assert.NotNull(token.Alternatives);
            Assert.Equal(5, token.Alternatives!.Count);
            Assert.Equal(token.Id, token.Alternatives[0].Id);
            Assert.Equal(token.LogProb!.Value, token.Alternatives[0].LogProb, 9);
            Assert.True(token.Alternatives.Sum(a => Math.Exp(a.LogProb)) <= 1 + 1e-9);
            Assert.True(token.Alternatives.Zip(token.Alternatives.Skip(1)).All(p => p.First.LogProb >= p.Second.LogProb));
        }
    }

    [Fact]
    public void Asking_for_log_probabilities_does_not_change_what_is_sampled()
    {
        var options = new TextGenerationOptions { Seed = 77, MaxTokens = 20 };
        var plain = Generate(TestModels.Gpt2, "A quiet morning", options);
        var traced = Generate(TestModels.Gpt2, "A quiet morning", options with { LogProbs = 4 });
        Assert.Equal(plain.Text, traced.Text);
        Assert.Equal(plain.Tokens.Select(t => t.Id), traced.Tokens.Select(t => t.Id));
    }

    [Fact]
    public void Top_k_one_leaves_a_single_candidate_with_probability_one()
    {
        var result = Generate(TestModels.Gpt2, "Bells", new TextGenerationOptions { TopK = 1, LogProbs = 3, MaxTokens = 6, Seed = 1 });
        Assert.All(result.Tokens, t =>
        {
            Assert.Single(t.Alternatives!);
            Assert.Equal(0, t.LogProb!.Value, 6);
        });
    }

    [Fact]
    public void A_stop_string_ends_generation_and_is_not_included()
    {
        var full = Generate(TestModels.Ascii, "abc", new TextGenerationOptions { Seed = 3, MaxTokens = 40, Temperature = 0 });
        var stop = full.Text.Substring(10, 2);
        var cut = Generate(TestModels.Ascii, "abc", new TextGenerationOptions { Seed = 3, MaxTokens = 40, Temperature = 0, Stop = [stop] });
        Assert.Equal(FinishReason.Stop, cut.FinishReason);
        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
    }

    [Fact]
    public void Streamed_chunks_add_up_to_the_result_text()
    {
        var chunks = new List<string>();
        var result = models.Generator.Generate(
            new TextRequest(TestModels.Gpt2, "Streams", new TextGenerationOptions { Seed = 8, MaxTokens = 15 }), c => chunks.Add(c.Text));
        Assert.Equal(result.Text, string.Concat(chunks));
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void Chat_requests_render_the_models_own_template()
    {
        var result = models.Generator.Generate(
            TextRequest.Chat(TestModels.Gpt2, "Write a line", "You are a poet", new TextGenerationOptions { Seed = 1, MaxTokens = 4 }));
        Assert.Equal("<|im_start|>system\nYou are a poet<|im_end|>\n<|im_start|>user\nWrite a line<|im_end|>\n<|im_start|>assistant\n", result.Prompt);
    }

    [Fact]
    public void A_grammar_constrains_the_output_and_finishes_with_the_grammar()
    {
        var options = new TextGenerationOptions { Seed = 4, MaxTokens = 30, Grammar = "root ::= (\"yes\" | \"no\") \".\"" };
        var result = Generate(TestModels.Ascii, "Answer:", options);
        Assert.Contains(result.Text, new[] { "yes.", "no." });
        Assert.Equal(FinishReason.Grammar, result.FinishReason);
    }

    [Fact]
    public void Loaded_models_are_cached_and_released_when_idle()
    {
        using var cache = new LlamaModelCache(TimeSpan.FromHours(1));
        using (cache.Acquire(models.PathOf(TestModels.Ascii))) { }
        using (var again = cache.Acquire(models.PathOf(TestModels.Ascii))) Assert.Equal(0, again.Model.LoadMs);
        Assert.Equal(1, cache.LoadedCount);
        cache.Sweep(TimeSpan.Zero);
        Assert.Equal(0, cache.LoadedCount);
    }
}

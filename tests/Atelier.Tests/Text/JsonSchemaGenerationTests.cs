using System.Text.Json;
using Atelier.Text;
using Atelier.Text.Grammars;
using Json.Schema;

namespace Atelier.Tests.Text;

/// <summary>
/// Constrained decoding end to end: a schema covering every supported construct becomes a grammar, llama.cpp samples
/// under it, and an independent validator (JsonSchema.Net) checks every output.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class JsonSchemaGenerationTests(TestModels models)
{
    private static readonly string SchemaText =
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Text", "Grammars", "person.schema.json"));

    [Fact]
    public void Hundred_generations_under_a_schema_all_parse_and_validate()
    {
        var schema = JsonSchema.FromText(SchemaText);
        var options = new TextGenerationOptions { Grammar = JsonSchemaGrammar.FromSchema(SchemaText), MaxTokens = 1000, Temperature = 1.0f };
        var failures = new List<string>();
        var distinct = new HashSet<string>();
        for (uint seed = 1; seed <= 100; seed++)
        {
            var result = models.Generator.Generate(new TextRequest(TestModels.Ascii, "A person as JSON:", options with { Seed = seed }));
            distinct.Add(result.Text);
            if (result.FinishReason != FinishReason.Grammar) { failures.Add($"seed {seed}: finished by {result.FinishReason}: {result.Text}"); continue; }
            try
            {
                using var doc = JsonDocument.Parse(result.Text);
                var evaluation = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                if (!evaluation.IsValid) failures.Add($"seed {seed}: invalid: {result.Text}");
            }
            catch (JsonException e)
            {
                failures.Add($"seed {seed}: not JSON ({e.Message}): {result.Text}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        Assert.True(distinct.Count > 90, $"only {distinct.Count} distinct outputs");
    }
}

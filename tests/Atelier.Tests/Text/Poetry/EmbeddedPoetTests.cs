using System.Text.Json;
using Atelier.Models;
using Atelier.Tests.Cli;
using Atelier.Text;
using Atelier.Text.Poetry;

namespace Atelier.Tests.Text.Poetry;

/// <summary>The embedded poet-zh model, run through llama.cpp as users run it.</summary>
public sealed class EmbeddedPoetTests : IDisposable
{
    private readonly ModelCatalog _catalog = new(Path.Combine(Path.GetTempPath(), "atelier-no-user-models"), AtelierPaths.EmbeddedModels);
    private readonly LlamaModelCache _cache = new();

    [Fact]
    public void Is_the_default_model()
    {
        var (name, _, source) = _catalog.Resolve(null);
        Assert.Equal("poet-zh", name);
        Assert.Equal(ModelSource.Embedded, source);
        Assert.NotNull(_catalog.Info("poet-zh").Card);
    }

    [Theory]
    [InlineData("wujue")]
    [InlineData("qilv")]
    public void Writes_the_exact_form_and_rhymes_when_asked(string formName)
    {
        var form = PoemForm.Parse(formName);
        var generator = new TextGenerator(_catalog, _cache);
        var rhymes = RhymeTable.Load();
        var grammar = PoemFormGrammar.Build(form, rhymes);
        for (uint seed = 1; seed <= 5; seed++)
        {
            var result = generator.Generate(new TextRequest(null, PoemFormGrammar.Prompt("春夜"),
                new TextGenerationOptions { Seed = seed, Grammar = grammar, MaxTokens = 200 }));
            Assert.True(PoemFormChecker.RhymesOk(result.Text, form, rhymes), result.Text);
            Assert.Equal(FinishReason.Grammar, result.FinishReason);
        }
    }

    [Fact]
    public void The_cli_reports_the_copying_check_against_the_training_poems()
    {
        var home = Directory.CreateTempSubdirectory("atelier-poet-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "atelier.dll"), "generate", "text", "--title", "静夜思", "--author", "李白", "--form", "wujue", "--seed", "3", "--json" })
                start.ArgumentList.Add(a);
            start.Environment["ATELIER_HOME"] = home;
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr.Result);
            var result = JsonDocument.Parse(stdout).RootElement;
            Assert.True(PoemFormChecker.Check(result.GetProperty("text").GetString()!, PoemForm.Wujue));
            var copying = result.GetProperty("copying");
            Assert.Equal(4, copying.GetProperty("lines").GetInt32());
            Assert.InRange(copying.GetProperty("copied_line_share").GetDouble(), 0, 1);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    public void Dispose() => _cache.Dispose();
}

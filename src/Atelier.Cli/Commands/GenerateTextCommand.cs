using System.CommandLine;
using Atelier.Text;
using Atelier.Models;
using Atelier.Text.Copying;
using Atelier.Text.Gguf;
using Atelier.Text.Grammars;
using Atelier.Text.Poetry;
using Atelier.Text.Training;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier generate text "PROMPT"</c>: streams tokens as they are generated, or prints one JSON result.</summary>
public static class GenerateTextCommand
{
    private static readonly TextGenerationOptions Defaults = new();

    public static Command Build(IServiceProvider services)
    {
        var prompt = new Argument<string?>("prompt") { Description = "The text to continue (or the user message with --chat)", Arity = ArgumentArity.ZeroOrOne };
        var model = new Option<string?>("--model", "-m") { Description = "Model name (see: atelier models list) or path to a .gguf file; default: the embedded model" };
        var chat = new Option<bool>("--chat") { Description = "Render the prompt through the model's own chat template" };
        var system = new Option<string?>("--system") { Description = "System message (implies --chat)" };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most tokens to generate", DefaultValueFactory = _ => Defaults.MaxTokens };
        var temperature = new Option<float>("--temperature", "-t") { Description = "Sampling temperature; 0 always takes the most likely token", DefaultValueFactory = _ => Defaults.Temperature };
        var topK = new Option<int>("--top-k") { Description = "Keep the K most likely tokens (0 = off)", DefaultValueFactory = _ => Defaults.TopK };
        var topP = new Option<float>("--top-p") { Description = "Keep the most likely tokens up to this total probability, in (0, 1]", DefaultValueFactory = _ => Defaults.TopP };
        var minP = new Option<float>("--min-p") { Description = "Drop tokens less likely than this fraction of the best one", DefaultValueFactory = _ => Defaults.MinP };
        var repeatPenalty = new Option<float>("--repeat-penalty") { Description = "Penalty for repeating recent tokens (1 = off)", DefaultValueFactory = _ => Defaults.RepeatPenalty };
        var stop = new Option<string[]>("--stop") { Description = "Stop when this text appears (repeatable)", AllowMultipleArgumentsPerToken = false };
        var seed = new Option<uint?>("--seed", "-s") { Description = "Sampling seed for reproducible output (default: random, and reported)" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: all cores)" };
        var context = new Option<int?>("--context", "-c") { Description = "Context window in tokens (default: the model's)" };
        var grammar = new Option<string?>("--grammar") { Description = "GBNF grammar file that constrains the output" };
        var jsonSchema = new Option<string?>("--json-schema") { Description = "JSON schema file; the output is valid JSON of that schema" };
        var logProbs = new Option<int>("--logprobs") { Description = "Record each token's log-probability and the K most likely alternatives" };
        var form = new Option<string?>("--form") { Description = "Classical Chinese poem form, enforced while decoding: wujue, qijue, wulv or qilv" };
        var rhyme = new Option<bool>("--rhyme") { Description = "With --form: the even lines end in one rhyme group" };
        var title = new Option<string?>("--title") { Description = "Poem title; the prompt becomes 《title》author and a new line" };
        var author = new Option<string?>("--author") { Description = "With --title: the poet named after the title" };

        var command = new Command("text", "Generate text with a GGUF model through llama.cpp")
        {
            prompt, model, chat, system, maxTokens, temperature, topK, topP, minP, repeatPenalty, stop, seed, threads,
            context, grammar, jsonSchema, logProbs, form, rhyme, title, author,
        };
        command.SetAction((parse, cancellation) =>
        {
            var constraints = new[] { parse.GetValue(grammar), parse.GetValue(jsonSchema), parse.GetValue(form) }.Count(c => c is not null);
            if (constraints > 1) throw new UsageException("use only one of --grammar, --json-schema and --form");
            if (parse.GetValue(rhyme) && parse.GetValue(form) is null) throw new UsageException("--rhyme needs --form");
            var poemForm = parse.GetValue(form) is { } formName ? PoemForm.Parse(formName) : null;
            var modelPath = poemForm is not null ? services.GetRequiredService<ModelCatalog>().Resolve(parse.GetValue(model)).Path : null;
            var options = new TextGenerationOptions
            {
                MaxTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                MinP = parse.GetValue(minP),
                RepeatPenalty = parse.GetValue(repeatPenalty),
                Stop = parse.GetValue(stop) ?? [],
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                Context = parse.GetValue(context),
                LogProbs = parse.GetValue(logProbs),
                Grammar = poemForm is not null
                    ? PoemFormGrammar.Build(poemForm, parse.GetValue(rhyme) ? RhymeTable.Load().Restrict(ModelCharacters(modelPath!)) : null)
                    : LoadGrammar(parse.GetValue(grammar), parse.GetValue(jsonSchema)),
            }.Validate();
            var text = (parse.GetValue(prompt), parse.GetValue(title)) switch
            {
                ({ } p, null) => p,
                (null, { } t) => PoemFormGrammar.Prompt(t, parse.GetValue(author)),
                (null, null) => throw new UsageException("give a prompt, or --title for a poem"),
                _ => throw new UsageException("give either a prompt or --title, not both"),
            };
            var systemMessage = parse.GetValue(system);
            var request = parse.GetValue(chat) || systemMessage is not null
                ? TextRequest.Chat(parse.GetValue(model), text, systemMessage, options)
                : new TextRequest(parse.GetValue(model), text, options);
            var json = parse.GetValue(AtelierCli.JsonOption);
            return Task.FromResult(Run(services.GetRequiredService<TextGenerator>(), request, json, cancellation));
        });
        return command;
    }

    private static string? LoadGrammar(string? grammarFile, string? schemaFile)
    {
        if (grammarFile is not null) return GbnfGrammar.Load(grammarFile).Text;
        if (schemaFile is null) return null;
        if (!File.Exists(schemaFile)) throw new FileNotFoundException($"JSON schema file not found: {schemaFile}");
        return JsonSchemaGrammar.FromSchema(File.ReadAllText(schemaFile));
    }

    /// <summary>The copying check is advice, not part of the output: when its data cannot be had, say so and go on.</summary>
    private static CopyReport? CopyingCheck(TextResult result)
    {
        try
        {
            return CopyIndexes.ForModel(result.Model.Path)?.Find(result.Text);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
        {
            CliOutput.Note($"copying check skipped: {e.Message.ReplaceLineEndings(" ")}");
            return null;
        }
    }

    private static IEnumerable<char> ModelCharacters(string path) =>
        (GgufFile.Read(path).Get<string[]>("tokenizer.ggml.tokens") ?? []).Where(t => t.Length == 1).Select(t => t[0]);

    private static int Run(TextGenerator generator, TextRequest request, bool json, CancellationToken cancellation)
    {
        var stdout = Console.Out;
        var result = generator.Generate(request, json ? null : chunk => { stdout.Write(chunk.Text); stdout.Flush(); }, cancellation);
        var copying = CopyingCheck(result);
        if (json)
        {
            CliOutput.WriteJson(TextResultJson.From(result, copying));
            return 0;
        }
        stdout.WriteLine();
        var t = result.Timings;
        CliOutput.Note($"seed {result.Seed} · {t.GeneratedTokens} tokens · {t.DecodeTokensPerSecond:F1} tok/s · finish: {result.FinishReason} · model {result.Model.Name}");
        if (copying is not null)
            CliOutput.Note(copying.Longest is { } span
                ? $"copying check: longest span found in the training text: {span.Length} characters \"{span.Text}\" from {span.DocumentId}; {copying.CopiedLines}/{copying.Lines} lines copied verbatim"
                : $"copying check: no span of the training text found; 0/{copying.Lines} lines copied");
        if (request.Options.LogProbs > 0) WriteLogProbTable(result);
        return 0;
    }

    private static void WriteLogProbTable(TextResult result)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var table = new Table().AddColumns("token", "p", "alternatives");
        foreach (var token in result.Tokens)
        {
            var alternatives = string.Join("  ", token.Alternatives!.Select(a => $"{Show(a.Text)} {Math.Exp(a.LogProb):P1}"));
            table.AddRow(Markup.Escape(Show(token.Text)), $"{Math.Exp(token.LogProb ?? double.NegativeInfinity):P1}", Markup.Escape(alternatives));
        }
        console.Write(table);
    }

    private static string Show(string piece) => $"'{piece.Replace("\n", "\\n")}'";
}

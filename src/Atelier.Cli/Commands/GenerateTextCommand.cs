using System.CommandLine;
using Atelier.Text;
using Atelier.Text.Grammars;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier generate text "PROMPT"</c>: streams tokens as they are generated, or prints one JSON result.</summary>
public static class GenerateTextCommand
{
    private static readonly TextGenerationOptions Defaults = new();

    public static Command Build(IServiceProvider services)
    {
        var prompt = new Argument<string>("prompt") { Description = "The text to continue (or the user message with --chat)" };
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

        var command = new Command("text", "Generate text with a GGUF model through llama.cpp")
        {
            prompt, model, chat, system, maxTokens, temperature, topK, topP, minP, repeatPenalty, stop, seed, threads,
            context, grammar, jsonSchema, logProbs,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(grammar) is not null && parse.GetValue(jsonSchema) is not null)
                throw new UsageException("use either --grammar or --json-schema, not both");
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
                Grammar = LoadGrammar(parse.GetValue(grammar), parse.GetValue(jsonSchema)),
            }.Validate();
            var text = parse.GetValue(prompt)!;
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

    private static int Run(TextGenerator generator, TextRequest request, bool json, CancellationToken cancellation)
    {
        var stdout = Console.Out;
        var result = generator.Generate(request, json ? null : chunk => { stdout.Write(chunk.Text); stdout.Flush(); }, cancellation);
        if (json)
        {
            CliOutput.WriteJson(TextResultJson.From(result));
            return 0;
        }
        stdout.WriteLine();
        var t = result.Timings;
        CliOutput.Note($"seed {result.Seed} · {t.GeneratedTokens} tokens · {t.DecodeTokensPerSecond:F1} tok/s · finish: {result.FinishReason} · model {result.Model.Name}");
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

using System.CommandLine;
using Atelier.Data;
using Atelier.Models;
using Atelier.Text.Gguf;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier models list|add|info|remove|random</c>: the models folder, read from GGUF headers only.</summary>
public static class ModelsCommand
{
    public static Command Build(IServiceProvider services)
    {
        var catalog = () => services.GetRequiredService<ModelCatalog>();
        return new Command("models", "List, inspect, add and remove models")
        {
            List(catalog), Add(catalog), Info(catalog), Remove(catalog), RandomModelCommand.Build(catalog),
        };
    }

    private static Command List(Func<ModelCatalog> catalog)
    {
        var command = new Command("list", "List the embedded and added models");
        command.SetAction(parse =>
        {
            var models = catalog().List();
            if (parse.GetValue(AtelierCli.JsonOption)) { CliOutput.WriteJson(models.Select(Describe)); return 0; }
            var table = new Table().AddColumns("name", "source", "architecture", "parameters", "type", "context", "size");
            foreach (var m in models)
                table.AddRow(m.Name, m.Source.ToString().ToLowerInvariant(), m.Architecture, Count(m.ParameterCount),
                    m.Quantization, m.ContextLength?.ToString() ?? "-", $"{m.SizeBytes / 1048576.0:F1} MB");
            if (models.Count == 0) CliOutput.Note($"no models yet; add one with: atelier models add PATH.gguf ({catalog().UserFolder})");
            else AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Add(Func<ModelCatalog> catalog)
    {
        var path = new Argument<string>("path") { Description = "A .gguf file to copy into the models folder" };
        var name = new Option<string?>("--name") { Description = "Name to give the model (default: the file name)" };
        var command = new Command("add", "Check a GGUF model and copy it into the models folder") { path, name };
        command.SetAction(parse =>
        {
            var info = catalog().Add(parse.GetValue(path)!, parse.GetValue(name));
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(Describe(info));
            else Console.WriteLine($"added {info.Name} ({info.Architecture}, {Count(info.ParameterCount)} parameters) to {info.Path}");
            return 0;
        });
        return command;
    }

    private static Command Info(Func<ModelCatalog> catalog)
    {
        var name = new Argument<string>("name") { Description = "Model name or path to a .gguf file" };
        var command = new Command("info", "Show what a model's GGUF header says, without loading its weights") { name };
        command.SetAction(parse =>
        {
            var info = catalog().Info(parse.GetValue(name));
            if (parse.GetValue(AtelierCli.JsonOption)) { CliOutput.WriteJson(Describe(info)); return 0; }
            var grid = new Grid().AddColumns(2);
            foreach (var (key, value) in new (string, string?)[]
            {
                ("name", info.Name), ("path", info.Path), ("source", info.Source.ToString().ToLowerInvariant()),
                ("architecture", info.Architecture), ("parameters", $"{info.ParameterCount:N0}"),
                ("context length", info.ContextLength?.ToString()), ("quantization", info.Quantization),
                ("tokenizer", $"{info.Tokenizer} ({info.VocabularySize} tokens)"),
                ("chat template", info.ChatTemplate is null ? "none" : "yes"), ("size", $"{info.SizeBytes:N0} bytes"),
                ("card", info.Card),
            })
                grid.AddRow(new Spectre.Console.Text(key), new Spectre.Console.Text(value ?? "-"));
            AnsiConsole.Write(grid);
            return 0;
        });
        return command;
    }

    private static Command Remove(Func<ModelCatalog> catalog)
    {
        var name = new Argument<string>("name") { Description = "Name of an added model" };
        var command = new Command("remove", "Remove an added model") { name };
        command.SetAction(parse =>
        {
            catalog().Remove(parse.GetValue(name)!);
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(new { removed = parse.GetValue(name) });
            else Console.WriteLine($"removed {parse.GetValue(name)}");
            return 0;
        });
        return command;
    }

    internal static object Describe(ModelInfo m) => new
    {
        name = m.Name, path = m.Path, source = m.Source.ToString().ToLowerInvariant(), size_bytes = m.SizeBytes,
        architecture = m.Architecture, parameters = m.ParameterCount, context_length = m.ContextLength,
        quantization = m.Quantization, tokenizer = m.Tokenizer, vocabulary_size = m.VocabularySize,
        chat_template = m.ChatTemplate, card = m.Card,
    };

    internal static string Count(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:F1}B",
        >= 1_000_000 => $"{n / 1e6:F1}M",
        >= 1_000 => $"{n / 1e3:F1}K",
        _ => n.ToString(),
    };
}

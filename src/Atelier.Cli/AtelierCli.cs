using System.CommandLine;
using System.Runtime.InteropServices;
using Atelier.Cli.Commands;
using Atelier.Models;
using Atelier.Text;
using Atelier.Text.Gguf;
using Atelier.Text.Grammars;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Cli;

/// <summary>
/// The <c>atelier</c> command line: a thin shell that parses and validates options once, calls the same services the
/// server uses, and turns every user mistake into one line on stderr with exit code 2.
/// </summary>
public static class AtelierCli
{
    public const int UsageError = 2;

    public static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print one machine-readable JSON result on stdout and nothing else there",
        Recursive = true,
    };

    public static RootCommand Build(IServiceProvider services)
    {
        var root = new RootCommand("Atelier: a self-hosted studio for generating and training text, image, speech, music and video models")
        {
            JsonOption,
            GenerateCommand.Build(services),
            ModelsCommand.Build(services),
            TrainCommand.Build(services),
            ExportCommand.Build(),
            EvalCommand.Build(services),
            ServeCommand.Build(),
            BenchCommand.Build(services),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        using var provider = new ServiceCollection().AddAtelierText().BuildServiceProvider();
        var root = Build(provider);
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message}");
            return UsageError;
        }
        // Ctrl-C (or SIGTERM) cancels the command's token so that training can finish its step and write a checkpoint;
        // a second one ends the process at once.
        using var interrupt = new CancellationTokenSource();
        PosixSignalContext? first = null;
        void OnSignal(PosixSignalContext context)
        {
            if (first is not null) return;
            first = context;
            context.Cancel = true;
            interrupt.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            return await parsed.InvokeAsync(
                new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                interrupt.Token);
        }
        catch (Exception e) when (IsUsageError(e))
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {OneLine(e.Message)} ({e.GetType().Name})");
            if (Environment.GetEnvironmentVariable("ATELIER_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }

    private static bool IsUsageError(Exception e) => e is UsageException or ArgumentException or ModelNotFoundException
        or GgufFormatException or GrammarException or FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or UnauthorizedAccessException or LLama.Exceptions.LoadWeightsFailedException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

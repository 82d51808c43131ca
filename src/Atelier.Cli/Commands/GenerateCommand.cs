using System.CommandLine;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier generate MODALITY …</c>: one subcommand per modality.</summary>
public static class GenerateCommand
{
    public static Command Build(IServiceProvider services) => new("generate", "Generate content with a model")
    {
        GenerateTextCommand.Build(services),
    };
}

using System.CommandLine;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier train MODALITY …</c>: train a model on the user's own data.</summary>
public static class TrainCommand
{
    public static Command Build(IServiceProvider services) => new("train", "Train a model on your own data")
    {
        TrainTextCommand.Build(),
    };
}

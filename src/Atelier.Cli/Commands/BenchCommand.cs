using System.CommandLine;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier bench …</c>: benchmarks that compare Atelier against a peer measured in the same run.</summary>
public static class BenchCommand
{
    public static Command Build(IServiceProvider services) => new("bench", "Benchmarks: Atelier against a peer, measured in the same run")
    {
        TextBenchCommand.Build(services),
        TrainBenchCommand.Build(),
        ServeBenchCommand.Build(services),
    };
}

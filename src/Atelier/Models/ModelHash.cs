using System.Security.Cryptography;
using System.Text;

namespace Atelier.Models;

/// <summary>SHA-256 of model files, remembered in the cache by path, size and modification time so that large models are hashed once.</summary>
public static class ModelHash
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Known = new();

    public static string Sha256(string path)
    {
        var file = new FileInfo(path);
        var identity = $"{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}";
        return Known.GetOrAdd(identity, _ => Compute(file, identity));
    }

    private static string Compute(FileInfo file, string identity)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
        var cached = Path.Combine(AtelierPaths.Cache, "sha256", key);
        if (File.Exists(cached)) return File.ReadAllText(cached).Trim();
        string hash;
        using (var stream = file.OpenRead()) hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            File.WriteAllText(cached, hash);
        }
        catch (IOException)
        {
            // The cache is an optimisation; an unwritable cache only costs a re-hash next time.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return hash;
    }
}

namespace Atelier;

/// <summary>
/// Where Atelier keeps its state. <c>ATELIER_HOME</c> holds the user's models and outputs (default: the XDG data folder);
/// <c>ATELIER_CACHE</c> holds things that can be rebuilt at any time, such as data packages.
/// </summary>
public static class AtelierPaths
{
    public static string Home => FromEnvironment("ATELIER_HOME")
        ?? Path.Combine(FromEnvironment("XDG_DATA_HOME") ?? Path.Combine(UserHome, ".local", "share"), "atelier");

    public static string Cache => FromEnvironment("ATELIER_CACHE")
        ?? Path.Combine(FromEnvironment("XDG_CACHE_HOME") ?? Path.Combine(UserHome, ".cache"), "atelier");

    public static string Models => Path.Combine(Home, "models");

    /// <summary>The models that ship inside the repository (<c>models/</c>).</summary>
    public static string? EmbeddedModels => FromEnvironment("ATELIER_EMBEDDED_MODELS")
        ?? (RepositoryRoot is { } root && Directory.Exists(Path.Combine(root, "models")) ? Path.Combine(root, "models") : null);

    /// <summary>The checkout Atelier runs from (the folder with the <c>atelier</c> launcher), found by walking up from the program.</summary>
    public static string? RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "atelier")) && Directory.Exists(Path.Combine(dir.FullName, "src"))) return dir.FullName;
            return null;
        }
    }

    private static string UserHome => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

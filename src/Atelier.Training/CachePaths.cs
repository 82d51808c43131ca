namespace Atelier.Text.Training;

/// <summary>The per-user cache root for everything this library builds or downloads once.</summary>
internal static class CachePaths
{
    /// <summary><c>$XDG_CACHE_HOME/atelier</c>, or <c>~/.cache/atelier</c>.</summary>
    public static string Root()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "atelier");
    }
}

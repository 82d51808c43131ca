using Atelier.Text.Gguf;

namespace Atelier.Models;

/// <summary>A model name that no folder knows and that is not a file path either.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>
/// The models Atelier can run: those shipped in the repository's <c>models/</c> folder and those the user added to
/// <c>$ATELIER_HOME/models</c>. A model is a folder holding one .gguf file (plus its card), or a bare .gguf file.
/// </summary>
public sealed class ModelCatalog(string userFolder, string? embeddedFolder)
{
    /// <summary>The embedded model used when none is named, then a user model of the same role.</summary>
    public static readonly string[] DefaultNames = ["poet-zh", "fixture"];

    public static ModelCatalog Default() => new(AtelierPaths.Models, AtelierPaths.EmbeddedModels);

    public string UserFolder { get; } = userFolder;

    public IReadOnlyList<(string Name, string Path, ModelSource Source)> Entries()
    {
        var found = new List<(string, string, ModelSource)>();
        foreach (var (folder, source) in new[] { (embeddedFolder, ModelSource.Embedded), (UserFolder, ModelSource.User) })
        {
            if (folder is null || !Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*.gguf").Order())
                found.Add((Path.GetFileNameWithoutExtension(file), file, source));
            foreach (var dir in Directory.EnumerateDirectories(folder).Order())
            {
                if (Directory.EnumerateFiles(dir, "*.gguf").Order().FirstOrDefault() is { } file)
                    found.Add((Path.GetFileName(dir), file, source));
            }
        }
        return found;
    }

    public IReadOnlyList<ModelInfo> List() =>
        Entries().Select(e => ModelInfo.FromFile(e.Name, e.Path, e.Source)).ToList();

    /// <summary>Resolves a model name, a path to a .gguf file, or null for the default model.</summary>
    public (string Name, string Path, ModelSource Source) Resolve(string? nameOrPath)
    {
        var entries = Entries();
        if (nameOrPath is null)
        {
            foreach (var name in DefaultNames)
                if (entries.FirstOrDefault(e => e.Name == name) is { Path: not null } hit) return hit;
            throw new ModelNotFoundException("no default model is installed (run ./setup.sh, or pass --model NAME|PATH)");
        }
        if (entries.FirstOrDefault(e => e.Name == nameOrPath) is { Path: not null } named) return named;
        if (File.Exists(nameOrPath)) return (Path.GetFileNameWithoutExtension(nameOrPath), Path.GetFullPath(nameOrPath), ModelSource.Path);
        if (Directory.Exists(nameOrPath) && Directory.EnumerateFiles(nameOrPath, "*.gguf").Order().FirstOrDefault() is { } inDir)
            return (Path.GetFileName(Path.GetFullPath(nameOrPath).TrimEnd('/')), Path.GetFullPath(inDir), ModelSource.Path);
        var looksLikePath = nameOrPath.Contains('/') || nameOrPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);
        throw new ModelNotFoundException(looksLikePath
            ? $"model file not found: {nameOrPath}"
            : $"unknown model '{nameOrPath}' (see: atelier models list)");
    }

    public ModelInfo Info(string? nameOrPath)
    {
        var (name, path, source) = Resolve(nameOrPath);
        return ModelInfo.FromFile(name, path, source);
    }

    /// <summary>
    /// Copies a GGUF file into the user's folder after checking it, through a temporary file and a rename, so an
    /// interrupted or failed copy never leaves a half model behind.
    /// </summary>
    public ModelInfo Add(string sourcePath, string? name = null)
    {
        if (!File.Exists(sourcePath)) throw new FileNotFoundException($"model file not found: {sourcePath}", sourcePath);
        GgufFile.Read(sourcePath);
        name ??= Path.GetFileNameWithoutExtension(sourcePath);
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name.StartsWith('.'))
            throw new ArgumentException($"'{name}' is not a usable model name");
        if (Entries().Any(e => e.Name == name))
            throw new ArgumentException($"a model named '{name}' already exists (remove it first, or pass --name)");
        var folder = Path.Combine(UserFolder, name);
        var staging = Path.Combine(UserFolder, $".{name}.{Environment.ProcessId}.adding");
        try
        {
            Directory.CreateDirectory(staging);
            File.Copy(sourcePath, Path.Combine(staging, name + ".gguf"));
            GgufFile.Read(Path.Combine(staging, name + ".gguf"));
            Directory.Move(staging, folder);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return ModelInfo.FromFile(name, Path.Combine(folder, name + ".gguf"), ModelSource.User);
    }

    public void Remove(string name)
    {
        var entry = Entries().FirstOrDefault(e => e.Name == name);
        if (entry.Path is null) throw new ModelNotFoundException($"unknown model '{name}' (see: atelier models list)");
        if (entry.Source == ModelSource.Embedded) throw new ArgumentException($"'{name}' ships with Atelier and cannot be removed");
        var folder = Path.Combine(UserFolder, name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        else File.Delete(entry.Path);
    }
}

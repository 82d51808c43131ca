using System.Diagnostics;
using Atelier.Text.Gguf;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Atelier.Text;

/// <summary>A model loaded into llama.cpp, with how long the load took (0 when it came from the cache).</summary>
public sealed record LoadedModel(LLamaWeights Weights, string Path, double LoadMs);

/// <summary>
/// Keeps loaded llama.cpp models for reuse within the process and releases those left idle, so a server answering
/// many requests loads each model once while a long-lived process does not hold memory it no longer needs.
/// </summary>
public sealed class LlamaModelCache : IDisposable
{
    private readonly Dictionary<string, (LLamaWeights Weights, DateTime LastUsed, int InUse)> _models = [];
    private readonly Lock _gate = new();
    private readonly Timer _sweeper;
    private readonly TimeSpan _idle;

    static LlamaModelCache() => LlamaNative.Configure();

    public LlamaModelCache(TimeSpan? idle = null)
    {
        _idle = idle ?? TimeSpan.FromMinutes(5);
        _sweeper = new Timer(_ => Sweep(), null, _idle, _idle);
    }

    /// <summary>Loads (or reuses) a model; dispose the lease when done so the model can be released when idle.</summary>
    public Lease Acquire(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        lock (_gate)
        {
            if (_models.TryGetValue(full, out var entry))
            {
                _models[full] = (entry.Weights, DateTime.UtcNow, entry.InUse + 1);
                return new Lease(this, new LoadedModel(entry.Weights, full, 0));
            }
        }
        // Check the header ourselves first: llama.cpp reports a damaged file only as a failed load, without saying why.
        GgufFile.Read(full);
        var clock = Stopwatch.StartNew();
        var weights = LLamaWeights.LoadFromFile(new ModelParams(full) { GpuLayerCount = 0 });
        var loadMs = clock.Elapsed.TotalMilliseconds;
        lock (_gate)
        {
            if (_models.TryGetValue(full, out var raced))
            {
                weights.Dispose();
                _models[full] = (raced.Weights, DateTime.UtcNow, raced.InUse + 1);
                return new Lease(this, new LoadedModel(raced.Weights, full, loadMs));
            }
            _models[full] = (weights, DateTime.UtcNow, 1);
        }
        return new Lease(this, new LoadedModel(weights, full, loadMs));
    }

    public int LoadedCount { get { lock (_gate) return _models.Count; } }

    public void Sweep(TimeSpan? olderThan = null)
    {
        var cutoff = DateTime.UtcNow - (olderThan ?? _idle);
        lock (_gate)
        {
            foreach (var (path, entry) in _models.Where(m => m.Value.InUse == 0 && m.Value.LastUsed <= cutoff).ToList())
            {
                entry.Weights.Dispose();
                _models.Remove(path);
            }
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        lock (_gate)
        {
            foreach (var entry in _models.Values) entry.Weights.Dispose();
            _models.Clear();
        }
    }

    private void Release(string path)
    {
        lock (_gate)
        {
            if (_models.TryGetValue(path, out var entry))
                _models[path] = (entry.Weights, DateTime.UtcNow, Math.Max(0, entry.InUse - 1));
        }
    }

    public sealed class Lease(LlamaModelCache owner, LoadedModel model) : IDisposable
    {
        private int _disposed;
        public LoadedModel Model { get; } = model;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Release(Model.Path);
        }
    }
}

/// <summary>One-time setup of the native llama.cpp library: CPU backend, and its log kept off the user's terminal.</summary>
internal static class LlamaNative
{
    private static int _configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return;
        var verbose = Environment.GetEnvironmentVariable("ATELIER_LLAMA_LOG") == "1";
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (verbose || level == LLamaLogLevel.Error) Console.Error.Write(message);
        });
    }
}

using System.Collections.Concurrent;

namespace Atelier.Server.OpenAi;

/// <summary>
/// One generation at a time per model: llama.cpp contexts are created per request, but the CPU is shared, and taking
/// turns keeps each request's latency predictable instead of slowing all of them down together.
/// </summary>
public sealed class ModelGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

    public async Task<T> RunAsync<T>(string modelPath, Func<T> work, CancellationToken cancellation)
    {
        var gate = _gates.GetOrAdd(modelPath, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellation);
        try
        {
            return await Task.Run(work, cancellation);
        }
        finally
        {
            gate.Release();
        }
    }
}

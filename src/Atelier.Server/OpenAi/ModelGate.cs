using System.Collections.Concurrent;

namespace Atelier.Server.OpenAi;

/// <summary>
/// One generation at a time per model, with a bounded queue: llama.cpp contexts are created per request, but the CPU is
/// shared, and taking turns keeps each request's latency predictable instead of slowing all of them down together.
/// When the queue is full a request is refused at once (429 with Retry-After) rather than left waiting without end;
/// a waiting request whose client goes away leaves the queue.
/// </summary>
public sealed class ModelGate(int maxWaiting = 256)
{
    private sealed class Lane
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Queued;
    }

    private readonly ConcurrentDictionary<string, Lane> _lanes = new();

    public async Task<T> RunAsync<T>(string modelPath, Func<T> work, CancellationToken cancellation)
    {
        var lane = _lanes.GetOrAdd(modelPath, _ => new Lane());
        if (Interlocked.Increment(ref lane.Queued) > maxWaiting + 1)
        {
            Interlocked.Decrement(ref lane.Queued);
            throw new OpenAiError(429, $"the model is busy: {maxWaiting} requests are already waiting; retry shortly",
                code: "rate_limit_exceeded", type: "rate_limit_error");
        }
        try
        {
            await lane.Turn.WaitAsync(cancellation);
            try
            {
                return await Task.Run(work, cancellation);
            }
            finally
            {
                lane.Turn.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref lane.Queued);
        }
    }
}

using System.Diagnostics;
using System.Text;
using Atelier.Models;
using Atelier.Text.Sampling;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Atelier.Text;

/// <summary>
/// The text pipeline: resolves the model, renders the prompt, runs llama.cpp's decode loop with the sampler chain, and
/// streams tokens out with their log-probabilities. One generation uses its own context, so generations never share state.
/// </summary>
public sealed class TextGenerator(ModelCatalog catalog, LlamaModelCache cache)
{
    /// <summary>Generates, calling <paramref name="onChunk"/> for each piece of text as soon as it is safe to show.</summary>
    public TextResult Generate(TextRequest request, Action<TextChunk>? onChunk = null, CancellationToken cancellation = default)
    {
        var options = request.Options.Validate();
        var (name, path, _) = catalog.Resolve(request.Model);
        using var lease = cache.Acquire(path);
        var weights = lease.Model.Weights;
        var prompt = request.Messages is { } messages ? ChatPrompt.Render(weights, messages) : request.Prompt;

        int contextSize = options.Context ?? (int)Math.Min(weights.ContextSize, 4096);
        int threads = options.Threads ?? Environment.ProcessorCount;
        var contextParams = new ModelParams(path)
        {
            ContextSize = (uint)contextSize, Threads = threads, BatchThreads = threads,
            BatchSize = (uint)Math.Min(contextSize, 512), UBatchSize = (uint)Math.Min(contextSize, 512),
        };
        using var context = weights.CreateContext(contextParams);
        var promptTokens = context.Tokenize(prompt, addBos: true, special: true);
        if (promptTokens.Length >= contextSize)
            throw new ArgumentException($"the prompt is {promptTokens.Length} tokens but the context holds {contextSize} (raise --context or shorten the prompt)");
        if (promptTokens.Length == 0)
            throw new ArgumentException("the prompt is empty and the model adds no start token");

        uint seed = options.Seed ?? (uint)Random.Shared.NextInt64(0, uint.MaxValue);
        using var chain = SamplerChain.Create(weights, options, seed);
        var vocab = weights.Vocab;
        var batch = new LLamaBatch();
        var clock = Stopwatch.StartNew();
        int logitIndex = DecodePrompt(context, batch, promptTokens);
        var promptMs = clock.Elapsed.TotalMilliseconds;

        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        var stops = new StopSequenceMatcher(options.Stop);
        var logProbs = options.LogProbs > 0 ? new LogProbRecorder(context, options.LogProbs) : null;
        var tokens = new List<GeneratedToken>();
        var text = new StringBuilder();
        string finish = FinishReason.Length;
        int position = promptTokens.Length, decoded = 0;
        double decodeMs = 0;

        while (tokens.Count < options.MaxTokens)
        {
            if (cancellation.IsCancellationRequested) { finish = FinishReason.Cancelled; break; }
            if (position >= contextSize) break;
            var (token, logProb, alternatives) = logProbs is not null
                ? logProbs.Sample(chain, logitIndex)
                : (chain.Sample(context.NativeHandle, logitIndex), (double?)null, null);
            if (token.IsEndOfGeneration(vocab))
            {
                finish = options.Grammar is null ? FinishReason.Stop : FinishReason.Grammar;
                break;
            }
            var bytes = TokenBytes(context, token);
            var generated = new GeneratedToken((int)token, Encoding.UTF8.GetString(bytes), bytes, logProb, alternatives);
            tokens.Add(generated);
            decoder.Add(token);
            var (emit, stopped) = stops.Push(decoder.Read());
            text.Append(emit);
            if (emit.Length > 0 || stopped) onChunk?.Invoke(new TextChunk(emit, generated));
            if (stopped) { finish = FinishReason.Stop; break; }
            if (tokens.Count == options.MaxTokens) break;

            var step = Stopwatch.GetTimestamp();
            batch.Clear();
            batch.Add(token, position++, LLamaSeqId.Zero, true);
            Check(context.NativeHandle.Decode(batch));
            decodeMs += Stopwatch.GetElapsedTime(step).TotalMilliseconds;
            decoded++;
            logitIndex = 0;
        }
        if (finish != FinishReason.Stop)
        {
            var rest = stops.Flush();
            if (rest.Length > 0 && tokens.Count > 0) { text.Append(rest); onChunk?.Invoke(new TextChunk(rest, tokens[^1])); }
        }

        var timings = new TextTimings(lease.Model.LoadMs, promptMs, promptTokens.Length, decodeMs, decoded, tokens.Count);
        var model = new ModelIdentity(name, path, ModelHash.Sha256(path));
        return new TextResult(prompt, text.ToString(), tokens, finish, seed, timings, model);
    }

    private static int DecodePrompt(LLamaContext context, LLamaBatch batch, LLamaToken[] tokens)
    {
        int batchSize = (int)context.BatchSize;
        for (int start = 0; start < tokens.Length; start += batchSize)
        {
            batch.Clear();
            int end = Math.Min(tokens.Length, start + batchSize);
            for (int i = start; i < end; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, i == tokens.Length - 1);
            Check(context.NativeHandle.Decode(batch));
        }
        return batch.TokenCount - 1;
    }

    private static byte[] TokenBytes(LLamaContext context, LLamaToken token)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = context.NativeHandle.TokenToSpan(token, buffer);
        return buffer[..(int)Math.Min(length, (uint)buffer.Length)].ToArray();
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp could not decode the batch ({result})");
    }
}

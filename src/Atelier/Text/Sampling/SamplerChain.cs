using LLama;
using LLama.Native;

namespace Atelier.Text.Sampling;

/// <summary>
/// Builds llama.cpp's sampler chain from the options, in the order llama.cpp's own tools use: the grammar first (so every
/// later step only sees tokens the grammar allows), repetition penalty, top-k, top-p, min-p, temperature, and finally a
/// seeded draw — or the most likely token when the temperature is 0.
/// </summary>
public static class SamplerChain
{
    public static SafeLLamaSamplerChainHandle Create(LLamaWeights model, TextGenerationOptions options, uint seed)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        try
        {
            if (options.Grammar is { } grammar) chain.AddGrammar(model.NativeHandle, grammar, "root");
            if (options.RepeatPenalty != 1f) chain.AddPenalties(options.RepeatLastN, options.RepeatPenalty, 0f, 0f);
            if (options.TopK > 0) chain.AddTopK(options.TopK);
            if (options.TopP < 1f) chain.AddTopP(options.TopP, 1);
            if (options.MinP > 0f) chain.AddMinP(options.MinP, 1);
            if (options.Temperature == 0f)
            {
                chain.AddGreedySampler();
            }
            else
            {
                chain.AddTemperature(options.Temperature);
                chain.AddDistributionSampler(seed);
            }
            return chain;
        }
        catch
        {
            chain.Dispose();
            throw;
        }
    }
}

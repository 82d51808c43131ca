using Atelier.Text;
using Atelier.Text.Copying;

namespace Atelier.Cli.Commands;

/// <summary>The JSON shape of a text generation (snake_case, as the HTTP API and OpenAI's clients expect).</summary>
public sealed record TextResultJson(
    string Text,
    string FinishReason,
    uint Seed,
    string Prompt,
    int PromptTokens,
    int GeneratedTokens,
    object Timings,
    object Model,
    IReadOnlyList<object> Tokens,
    object? Copying)
{
    public static TextResultJson From(TextResult r, CopyReport? copying = null) => new(
        r.Text, r.FinishReason, r.Seed, r.Prompt, r.Timings.PromptTokens, r.Timings.GeneratedTokens,
        new
        {
            load_ms = Math.Round(r.Timings.LoadMs, 2),
            prompt_ms = Math.Round(r.Timings.PromptMs, 2),
            decode_ms = Math.Round(r.Timings.DecodeMs, 2),
            prompt_tokens_per_second = Math.Round(r.Timings.PromptTokensPerSecond, 1),
            decode_tokens_per_second = Math.Round(r.Timings.DecodeTokensPerSecond, 1),
        },
        new { name = r.Model.Name, path = r.Model.Path, sha256 = r.Model.Sha256 },
        r.Tokens.Select(t => (object)new
        {
            id = t.Id,
            text = t.Text,
            bytes = t.Bytes.Select(b => (int)b).ToArray(),
            logprob = t.LogProb,
            alternatives = t.Alternatives?.Select(a => new { id = a.Id, text = a.Text, logprob = a.LogProb }).ToArray(),
        }).ToList(),
        copying is null ? null : new
        {
            longest_span = copying.Longest is { } s ? new { length = s.Length, text = s.Text, source = s.DocumentId } : null,
            lines = copying.Lines,
            copied_lines = copying.CopiedLines,
            copied_line_share = Math.Round(copying.CopiedLineShare, 4),
        });
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.Text.Training;

/// <summary>
/// AdamW moments and step counts stored as <c>optimizer.safetensors</c>: <c>NAME.exp_avg</c> and
/// <c>NAME.exp_avg_sq</c> per parameter, step counts in the metadata.
/// </summary>
internal static class OptimizerState
{
    /// <param name="parameters">Parameters in the optimizer's group order (TorchSharp lists state that way).</param>
    public static void Save(AdamW optimizer, IEnumerable<(string Name, Parameter Parameter)> parameters, string path)
    {
        var states = States(optimizer, parameters);
        var tensors = new List<(string, Tensor)>();
        var metadata = new Dictionary<string, string> { ["format"] = "adamw" };
        foreach (var (name, state) in states)
        {
            tensors.Add(($"{name}.exp_avg", state.exp_avg));
            tensors.Add(($"{name}.exp_avg_sq", state.exp_avg_sq));
            metadata[$"{name}.step"] = state.step.ToString(CultureInfo.InvariantCulture);
        }
        SafetensorsFile.Write(path, tensors, metadata);
    }

    public static void Load(AdamW optimizer, IEnumerable<(string Name, Parameter Parameter)> parameters, string path)
    {
        var tensors = SafetensorsFile.Read(path, out var metadata);
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, state) in States(optimizer, parameters))
            {
                if (!tensors.TryGetValue($"{name}.exp_avg", out var avg)
                    || !tensors.TryGetValue($"{name}.exp_avg_sq", out var avgSq)
                    || !metadata.TryGetValue($"{name}.step", out var step))
                    throw new InvalidDataException($"'{path}' has no optimizer state for '{name}'.");
                // The state objects are the optimizer's live ones: copy into them rather than replacing them.
                state.exp_avg.copy_(avg);
                state.exp_avg_sq.copy_(avgSq);
                state.step = long.Parse(step, CultureInfo.InvariantCulture);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static List<(string Name, AdamW.State State)> States(AdamW optimizer,
        IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        var names = parameters.Select(p => p.Name).ToList();
        var states = optimizer.state_dict().State;
        if (states.Count != names.Count)
            throw new InvalidOperationException($"The optimizer tracks {states.Count} parameters, expected {names.Count}.");
        return names.Zip(states, (name, state) => (name, (AdamW.State)state)).ToList();
    }
}

/// <summary>One JSON object per step in <c>metrics.jsonl</c>, for loss curves.</summary>
internal static class MetricsLog
{
    public static void Append(string path, int step, double loss, double learningRate, EvaluationResult? evaluation)
    {
        var line = new JsonObject
        {
            ["step"] = step,
            ["loss"] = Math.Round(loss, 6),
            ["lr"] = learningRate,
        };
        if (evaluation is not null && double.IsFinite(evaluation.Loss))
        {
            line["eval_loss"] = Math.Round(evaluation.Loss, 6);
            line["eval_perplexity"] = Math.Round(evaluation.Perplexity, 4);
        }
        File.AppendAllText(path, line.ToJsonString() + "\n");
    }

    /// <summary>Drops entries after <paramref name="step"/>, written by a run that went past its last checkpoint.</summary>
    public static void TruncateAfter(string path, int step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path)
            .Where(line =>
            {
                try
                {
                    return JsonNode.Parse(line)?["step"]?.GetValue<int>() <= step;
                }
                catch (JsonException)
                {
                    return false;
                }
            })
            .ToList();
        TextModelCheckpoint.WriteAtomically(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
    }
}

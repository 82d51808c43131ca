using System.Text.Json.Nodes;

namespace Atelier.Text.Training;

/// <summary>Draws <c>loss.png</c> beside a checkpoint from its <c>metrics.jsonl</c>: training loss and held-out loss by step.</summary>
public static class LossCurve
{
    public const string FileName = "loss.png";

    public static string? TryWrite(string checkpointDirectory)
    {
        var metrics = Path.Combine(checkpointDirectory, TextModelCheckpoint.MetricsFile);
        if (!File.Exists(metrics)) return null;
        var train = new List<(double Step, double Loss)>();
        var heldOut = new List<(double Step, double Loss)>();
        foreach (var line in File.ReadLines(metrics))
        {
            if (JsonNode.Parse(line) is not JsonObject o || o["step"] is null) continue;
            double step = o["step"]!.GetValue<double>();
            if (o["loss"] is { } loss) train.Add((step, loss.GetValue<double>()));
            if (o["eval_loss"] is { } eval) heldOut.Add((step, eval.GetValue<double>()));
        }
        if (train.Count == 0) return null;

        var plot = new ScottPlot.Plot();
        var trainLine = plot.Add.ScatterLine(train.Select(p => p.Step).ToArray(), Smooth(train.Select(p => p.Loss).ToArray()));
        trainLine.LegendText = "training loss (smoothed)";
        if (heldOut.Count > 0)
        {
            var evalLine = plot.Add.Scatter(heldOut.Select(p => p.Step).ToArray(), heldOut.Select(p => p.Loss).ToArray());
            evalLine.LegendText = "held-out loss";
        }
        plot.XLabel("step");
        plot.YLabel("cross-entropy (nats/token)");
        plot.ShowLegend();
        var path = Path.Combine(checkpointDirectory, FileName);
        plot.SavePng(path, 900, 540);
        return path;
    }

    // An exponential moving average: per-step losses of small batches are too noisy to read the trend from.
    private static double[] Smooth(double[] values, double keep = 0.9)
    {
        var smoothed = new double[values.Length];
        double average = values[0];
        for (int i = 0; i < values.Length; i++) smoothed[i] = average = keep * average + (1 - keep) * values[i];
        return smoothed;
    }
}

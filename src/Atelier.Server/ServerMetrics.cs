using System.Diagnostics.Metrics;

namespace Atelier.Server;

/// <summary>Atelier's own measurements, exported with ASP.NET Core's through OpenTelemetry at <c>/metrics</c>.</summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Atelier";

    private readonly Counter<long> _generations;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _duration;

    public ServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _generations = meter.CreateCounter<long>("atelier.text.generations", "{generation}", "Text generations completed");
        _tokens = meter.CreateCounter<long>("atelier.text.tokens.generated", "{token}", "Tokens generated");
        _duration = meter.CreateHistogram<double>("atelier.text.generation.duration", "s", "Time from request to last token");
    }

    public void Generated(string model, int tokens, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _generations.Add(1, tag);
        _tokens.Add(tokens, tag);
        _duration.Record(duration.TotalSeconds, tag);
    }
}

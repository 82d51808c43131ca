namespace Atelier.Text.Sampling;

/// <summary>
/// Finds stop strings in streamed text. Text that could still turn into a stop string is held back, so a stop string
/// is never shown to the user even when it arrives split across tokens.
/// </summary>
public sealed class StopSequenceMatcher(IReadOnlyList<string> stops)
{
    private readonly System.Text.StringBuilder _pending = new();

    /// <summary>Adds new text; returns the text safe to emit, and whether a stop string was reached.</summary>
    public (string Emit, bool Stopped) Push(string text)
    {
        _pending.Append(text);
        if (stops.Count == 0) return (Flush(), false);
        var pending = _pending.ToString();
        int first = -1;
        foreach (var stop in stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            _pending.Clear();
            return (pending[..first], true);
        }
        int hold = 0;
        foreach (var stop in stops)
        {
            for (int len = Math.Min(stop.Length - 1, pending.Length); len > hold; len--)
            {
                if (pending.AsSpan(pending.Length - len).SequenceEqual(stop.AsSpan(0, len))) { hold = len; break; }
            }
        }
        _pending.Clear();
        _pending.Append(pending, pending.Length - hold, hold);
        return (pending[..^hold], false);
    }

    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}

namespace Atelier.Text.Grammars;

/// <summary>
/// Raised when a grammar, or a JSON schema meant to become one, cannot be used for constrained decoding.
/// The message is a single line that names the problem and where it is.
/// </summary>
public sealed class GrammarException : Exception
{
    public GrammarException(string message) : base(message) { }

    public GrammarException(string message, Exception innerException) : base(message, innerException) { }
}

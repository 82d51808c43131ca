namespace Atelier.Text.Copying;

/// <summary>
/// A stretch of generated text found verbatim in a training document.
/// </summary>
/// <param name="Length">Characters in the span, punctuation and line breaks not counted.</param>
/// <param name="Text">The span as it stands in the generated text, punctuation included.</param>
/// <param name="Start">Where the span starts in the generated text (UTF-16 index).</param>
/// <param name="DocumentId">The id the training document was indexed under.</param>
public sealed record CopySpan(int Length, string Text, int Start, string DocumentId);

/// <summary>How much of a generated text was copied from the training documents.</summary>
/// <param name="Longest">The longest verbatim span found, or null. Spans of <see cref="NGramCopyIndex.GuaranteedSpan"/>
/// characters or more are always found; shorter ones only when they cover an indexed n-gram.</param>
/// <param name="Lines">Verse lines in the text: the stretches between punctuation marks and line breaks.</param>
/// <param name="CopiedLines">Lines whose characters all appear, in order and unbroken, in one training document.</param>
public sealed record CopyReport(CopySpan? Longest, int Lines, int CopiedLines)
{
    public double CopiedLineShare => Lines == 0 ? 0 : (double)CopiedLines / Lines;
}

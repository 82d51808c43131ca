using System.Buffers;
using System.Globalization;
using System.Text;

namespace Atelier.Text.Tokenizers;

/// <summary>
/// GPT-2's pre-tokenizer: splits text into the pieces that BPE merges never cross. Written out by hand after
/// llama.cpp's <c>unicode_regex_split_custom_gpt2</c> rather than run as a regex, so that the pieces are the ones
/// llama.cpp makes for <c>tokenizer.ggml.pre = "gpt-2"</c> (and it is several times faster than the regex).
/// </summary>
public static class Gpt2PreTokenizer
{
    /// <summary>The pattern this split implements.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private enum Kind : byte { None, Letter, Number, Space, Other }

    private static readonly Kind[] Ascii = Enumerable.Range(0, 128).Select(c => Classify(c)).ToArray();

    public static IReadOnlyList<string> Split(string text)
    {
        var pieces = new List<(int Start, int Length)>();
        Split(text, pieces);
        return pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray();
    }

    /// <summary>Appends each piece of <paramref name="text"/> as a (start, length) range in UTF-16 units.</summary>
    internal static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        if (text.IsEmpty) return;
        // Code point starts (plus the end) and kinds: the split works on code points, as llama.cpp's does.
        var startsArray = ArrayPool<int>.Shared.Rent(text.Length + 1);
        var kindsArray = ArrayPool<Kind>.Shared.Rent(text.Length);
        try
        {
            int n = 0;
            for (int i = 0; i < text.Length; n++)
            {
                startsArray[n] = i;
                char c = text[i];
                if (c < 128)
                {
                    kindsArray[n] = Ascii[c];
                    i++;
                    continue;
                }
                // A lone surrogate decodes as U+FFFD, which is also what UTF-8 encoding makes of it for llama.cpp.
                Rune.DecodeFromUtf16(text[i..], out var rune, out int consumed);
                kindsArray[n] = Classify(rune.Value);
                i += consumed;
            }
            startsArray[n] = text.Length;
            SplitCodePoints(text, startsArray.AsSpan(0, n + 1), kindsArray.AsSpan(0, n), pieces);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(startsArray);
            ArrayPool<Kind>.Shared.Return(kindsArray);
        }
    }

    private static void SplitCodePoints(
        ReadOnlySpan<char> text, ReadOnlySpan<int> starts, ReadOnlySpan<Kind> kinds, List<(int Start, int Length)> pieces)
    {
        int n = kinds.Length;
        int pos = 0;
        while (pos < n)
        {
            // Only ASCII is ever compared, so the first UTF-16 unit of a code point stands in for it.
            int cp = text[starts[pos]];
            var kind = kinds[pos];

            if (cp == '\'' && pos + 1 < n)
            {
                int next = text[starts[pos + 1]];
                if (next is 's' or 't' or 'm' or 'd')
                {
                    pos = Add(starts, pieces, pos, pos + 2);
                    continue;
                }
                if (pos + 2 < n)
                {
                    int nextNext = text[starts[pos + 2]];
                    if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l'))
                    {
                        pos = Add(starts, pieces, pos, pos + 3);
                        continue;
                    }
                }
            }

            // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": a space joins the run of one kind that follows it.
            var runKind = cp == ' ' ? KindAt(kinds, pos + 1) : kind;
            if (runKind is Kind.Letter or Kind.Number or Kind.Other)
            {
                int end = pos + (cp == ' ' ? 1 : 0);
                while (KindAt(kinds, end) == runKind) end++;
                pos = Add(starts, pieces, pos, end);
                continue;
            }

            int spaces = 0;
            while (KindAt(kinds, pos + spaces) == Kind.Space) spaces++;
            // "\s+(?!\S)": before a non-space, a run of spaces leaves its last one to start the next piece.
            if (spaces > 1 && pos + spaces < n)
            {
                pos = Add(starts, pieces, pos, pos + spaces - 1);
                continue;
            }
            pos = Add(starts, pieces, pos, pos + Math.Max(spaces, 1));
        }
    }

    private static int Add(ReadOnlySpan<int> starts, List<(int Start, int Length)> pieces, int from, int to)
    {
        pieces.Add((starts[from], starts[to] - starts[from]));
        return to;
    }

    private static Kind KindAt(ReadOnlySpan<Kind> kinds, int pos) => pos < kinds.Length ? kinds[pos] : Kind.None;

    private static Kind Classify(int codePoint)
    {
        if (IsWhiteSpace(codePoint)) return Kind.Space;
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    /// <summary>Unicode's White_Space property, which is what <c>\s</c> means to llama.cpp.</summary>
    private static bool IsWhiteSpace(int c) =>
        c is (>= 0x09 and <= 0x0D) or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;
}

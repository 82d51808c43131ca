namespace Atelier.Text.Tokenizers;

/// <summary>
/// GPT-2's reversible map from the 256 byte values to printable characters. Byte-level BPE vocabularies (GPT-2's
/// encoder.json, GGUF <c>tokenizer.ggml.tokens</c> of model <c>gpt2</c>) spell every token in these stand-ins, so that
/// a token is a string even when its bytes are a fragment of a UTF-8 sequence.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte =
        ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The stand-in of one byte: printable Latin-1 bytes stand for themselves, the others map to U+0100 onwards.</summary>
    public static char ToChar(byte value) => ByteToChar[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes a token string stands for, or null if it holds a character outside the alphabet.</summary>
    public static byte[]? TryDecode(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!CharToByte.TryGetValue(text[i], out bytes[i])) return null;
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        // Same construction as GPT-2's bytes_to_unicode and llama.cpp's unicode_byte_to_utf8_map.
        var map = new char[256];
        var assigned = new bool[256];
        foreach (var (first, last) in new[] { ('!', '~'), ('\u00A1', '\u00AC'), ('\u00AE', '\u00FF') })
        {
            for (int c = first; c <= last; c++) { map[c] = (char)c; assigned[c] = true; }
        }
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            if (!assigned[b]) map[b] = (char)next++;
        }
        return map;
    }
}

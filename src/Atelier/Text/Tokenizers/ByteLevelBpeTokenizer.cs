using System.Collections.Concurrent;
using System.Text;
using Atelier.Text.Gguf;

namespace Atelier.Text.Tokenizers;

/// <summary>
/// A GPT-2 style byte-level BPE tokenizer that encodes exactly as llama.cpp does for a GGUF vocabulary of model
/// <c>gpt2</c> with <c>tokenizer.ggml.pre = "gpt-2"</c>, so a model trained with it sees the same ids in Atelier and
/// in llama.cpp. It is trained from text (<see cref="Train"/>), read from GPT-2's own files
/// (<see cref="FromGpt2Files"/>) or from its saved JSON (<see cref="Load"/>).
/// </summary>
/// <remarks>
/// A trained vocabulary holds the 256 single bytes at ids 0–255 (id = byte value), one token per learned merge from
/// 256 on, and <see cref="EndOfText"/> as its last id, which serves as both BOS and EOS.
/// </remarks>
public sealed partial class ByteLevelBpeTokenizer
{
    /// <summary>The <c>type</c> of the saved JSON.</summary>
    public const string TypeName = "byte-level-bpe";

    /// <summary>GPT-2's document separator, used here as BOS and EOS.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Pieces remembered with their ids; text repeats its words, and pieces are what BPE works on.</summary>
    private const int CacheLimit = 100_000;

    private readonly string[] _tokens;
    private readonly byte[][] _bytes;
    private readonly bool[] _special;
    private readonly string[] _merges;
    private readonly int[] _byteTokens = new int[256];
    private readonly Dictionary<long, (int Rank, int Result)> _mergeTable;
    private readonly (string Text, int Id)[] _specialTexts;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private int _cached; // ConcurrentDictionary.Count takes every lock, too slow to ask on each miss

    private ByteLevelBpeTokenizer(IReadOnlyList<string> tokens, IReadOnlyList<string> merges, IReadOnlyCollection<int> specialIds,
        int bos, int eos, bool addBos)
    {
        _tokens = [.. tokens];
        _special = new bool[_tokens.Length];
        foreach (int id in specialIds)
        {
            if ((uint)id >= (uint)_tokens.Length) throw new InvalidDataException($"special token id {id} is outside the vocabulary");
            _special[id] = true;
        }
        if (!_special.ElementAtOrDefault(bos) || !_special.ElementAtOrDefault(eos))
            throw new InvalidDataException($"BOS ({bos}) and EOS ({eos}) must be special tokens of the vocabulary");
        Bos = bos;
        Eos = eos;
        AddBos = addBos;

        var ids = new Dictionary<string, int>(_tokens.Length);
        _bytes = new byte[_tokens.Length][];
        for (int id = 0; id < _tokens.Length; id++)
        {
            if (!ids.TryAdd(_tokens[id], id)) throw new InvalidDataException($"token '{_tokens[id]}' appears twice (ids {ids[_tokens[id]]} and {id})");
            _bytes[id] = _special[id]
                ? Encoding.UTF8.GetBytes(_tokens[id])
                : ByteLevelAlphabet.TryDecode(_tokens[id])
                    ?? throw new InvalidDataException($"token {id} '{_tokens[id]}' is not written in the byte-level alphabet");
        }
        for (int b = 0; b < 256; b++)
        {
            if (!ids.TryGetValue(ByteLevelAlphabet.ToChar((byte)b).ToString(), out _byteTokens[b]) || _special[_byteTokens[b]])
                throw new InvalidDataException($"the vocabulary has no token for byte 0x{b:X2}");
        }

        _merges = [.. merges];
        _mergeTable = new Dictionary<long, (int, int)>(_merges.Length);
        for (int rank = 0; rank < _merges.Length; rank++)
        {
            // Split as llama.cpp does: at the first space after the first character.
            var merge = _merges[rank];
            int space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            if (space < 0) throw new InvalidDataException($"merge {rank} '{merge}' is not two tokens separated by a space");
            string left = merge[..space], right = merge[(space + 1)..];
            if (!ids.TryGetValue(left, out int leftId) || !ids.TryGetValue(right, out int rightId) || !ids.TryGetValue(left + right, out int result))
                throw new InvalidDataException($"merge {rank} '{merge}' uses or makes a token the vocabulary lacks");
            // A repeated merge keeps its first rank, as in llama.cpp.
            _mergeTable.TryAdd(Key(leftId, rightId), (rank, result));
        }
        _specialTexts = [.. specialIds.Distinct().Select(id => (_tokens[id], id)).OrderByDescending(s => s.Item1.Length)];
    }

    public int VocabSize => _tokens.Length;

    public int Bos { get; }

    public int Eos { get; }

    /// <summary>Whether llama.cpp should put BOS before a prompt: true for trained vocabularies (they are trained
    /// on BOS-prefixed documents), false for GPT-2, which never had one.</summary>
    public bool AddBos { get; }

    /// <summary>Token strings by id in GPT-2's byte-level spelling, as GGUF stores them.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Merges as "left right", in rank order (the order they were learned).</summary>
    public IReadOnlyList<string> Merges => _merges;

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <summary>The raw bytes a token stands for (a special token: its text in UTF-8).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _bytes.Length);
        return _bytes[id];
    }

    /// <summary>
    /// Learns a vocabulary of <paramref name="vocabSize"/> tokens (256 bytes, merges, and <see cref="EndOfText"/>)
    /// from the documents. Deterministic, and independent of the order of the documents: each step merges the most
    /// frequent adjacent pair, ties going to the smaller left id, then the smaller right id.
    /// </summary>
    /// <exception cref="ArgumentException">The size is under 257, or more than the documents have pairs to merge.</exception>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> documents, int vocabSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (vocabSize < 257)
            throw new ArgumentException($"a vocabulary of {vocabSize} is too small: byte-level BPE needs the 256 bytes and {EndOfText}, 257 tokens", nameof(vocabSize));
        var result = ByteLevelBpeTrainer.Train(documents, vocabSize - 1, cancellationToken);
        if (result.Tokens.Count < vocabSize - 1)
            throw new ArgumentException($"vocabulary of {vocabSize} requested but the data only supports {result.Tokens.Count + 1} tokens", nameof(vocabSize));

        var tokens = result.Tokens.Select(b => ByteLevelAlphabet.Encode(b)).Append(EndOfText).ToArray();
        var merges = result.Merges.Select(m => $"{tokens[m.Left]} {tokens[m.Right]}").ToArray();
        int endOfText = tokens.Length - 1;
        return new ByteLevelBpeTokenizer(tokens, merges, [endOfText], endOfText, endOfText, addBos: true);
    }

    /// <summary>
    /// Encodes text as llama.cpp's <c>llama_tokenize</c> does for this vocabulary. Special-token text in the input is
    /// plain text unless <paramref name="parseSpecial"/> is set (llama.cpp's <c>parse_special</c>).
    /// </summary>
    public int[] Encode(string text, bool addBos = false, bool addEos = false, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addBos) ids.Add(Bos);
        if (parseSpecial) EncodeWithSpecials(text, ids);
        else EncodeText(text, ids);
        if (addEos) ids.Add(Eos);
        return [.. ids];
    }

    /// <summary>
    /// Decodes ids to text. Special tokens render as nothing unless <paramref name="renderSpecial"/> is set; ids
    /// outside the vocabulary and byte sequences that are not valid UTF-8 come out as U+FFFD.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool renderSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_bytes.Length) bytes.AddRange("\uFFFD"u8);
            else if (!_special[id] || renderSpecial) bytes.AddRange(_bytes[id]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>
    /// The vocabulary as llama.cpp reads it: model <c>gpt2</c>, pre-tokenizer <c>gpt-2</c>, special tokens as control
    /// tokens, and <see cref="AddBos"/> as <c>tokenizer.ggml.add_bos_token</c>.
    /// </summary>
    public GgufVocabulary ToGgufVocabulary()
    {
        var types = _special.Select(s => s ? GgufVocabulary.Control : GgufVocabulary.Normal).ToArray();
        return new GgufVocabulary("gpt2", "gpt-2", _tokens, types, Scores: null, _merges, Bos, Eos, UnknownId: null,
            AddBos, AddSpacePrefix: false);
    }

    /// <summary>Splits out special-token text as llama.cpp's <c>tokenizer_st_partition</c> does: the longest special
    /// token first, each over the text its predecessors left, every occurrence left to right.</summary>
    private void EncodeWithSpecials(string text, List<int> ids)
    {
        var fragments = new List<(int Start, int Length, int Special)> { (0, text.Length, -1) };
        foreach (var (special, id) in _specialTexts)
        {
            var split = new List<(int, int, int)>(fragments.Count);
            foreach (var fragment in fragments)
            {
                if (fragment.Special >= 0)
                {
                    split.Add(fragment);
                    continue;
                }
                int position = fragment.Start, end = fragment.Start + fragment.Length, at;
                while (position < end && (at = text.IndexOf(special, position, end - position, StringComparison.Ordinal)) >= 0)
                {
                    if (at > position) split.Add((position, at - position, -1));
                    split.Add((at, special.Length, id));
                    position = at + special.Length;
                }
                if (position < end) split.Add((position, end - position, -1));
            }
            fragments = split;
        }
        foreach (var (start, length, special) in fragments)
        {
            if (special >= 0) ids.Add(special);
            else EncodeText(text.AsSpan(start, length), ids);
        }
    }

    private void EncodeText(ReadOnlySpan<char> text, List<int> ids)
    {
        var pieces = new List<(int Start, int Length)>();
        Gpt2PreTokenizer.Split(text, pieces);
        var cache = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (start, length) in pieces)
        {
            var piece = text.Slice(start, length);
            if (!cache.TryGetValue(piece, out var pieceIds))
            {
                pieceIds = EncodePiece(piece);
                if (Volatile.Read(ref _cached) < CacheLimit && cache.TryAdd(piece, pieceIds)) Interlocked.Increment(ref _cached);
            }
            ids.AddRange(pieceIds);
        }
    }

    /// <summary>
    /// BPE on one piece, step for step as llama.cpp's <c>llm_tokenizer_bpe_session</c>: a queue of adjacent pairs
    /// that have a merge, lowest rank first and leftmost among equals; a popped pair whose sides have changed since
    /// it was queued is skipped.
    /// </summary>
    private int[] EncodePiece(ReadOnlySpan<char> piece)
    {
        int byteCount = Encoding.UTF8.GetByteCount(piece);
        Span<byte> bytes = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(piece, bytes);
        if (byteCount == 1) return [_byteTokens[bytes[0]]];

        // Symbol i starts at byte i; a merged-away symbol has id -1.
        var symbols = new int[byteCount];
        var previous = new int[byteCount];
        var next = new int[byteCount];
        for (int i = 0; i < byteCount; i++)
        {
            symbols[i] = _byteTokens[bytes[i]];
            previous[i] = i - 1;
            next[i] = i + 1 < byteCount ? i + 1 : -1;
        }

        var queue = new PriorityQueue<(int Left, int Right, int LeftId, int RightId, int Result), long>();
        for (int i = 1; i < byteCount; i++) Enqueue(i - 1, i);
        while (queue.TryDequeue(out var pair, out _))
        {
            // Symbols only grow to the right and never move, so unchanged ids at both ends mean the pair still
            // spells the text it was queued with, which is llama.cpp's test.
            if (symbols[pair.Left] != pair.LeftId || symbols[pair.Right] != pair.RightId) continue;
            symbols[pair.Left] = pair.Result;
            symbols[pair.Right] = -1;
            next[pair.Left] = next[pair.Right];
            if (next[pair.Right] >= 0) previous[next[pair.Right]] = pair.Left;
            Enqueue(previous[pair.Left], pair.Left);
            Enqueue(pair.Left, next[pair.Left]);
        }

        var result = new List<int>(byteCount);
        for (int i = 0; i >= 0; i = next[i]) result.Add(symbols[i]);
        return [.. result];

        void Enqueue(int left, int right)
        {
            if (left < 0 || right < 0) return;
            if (!_mergeTable.TryGetValue(Key(symbols[left], symbols[right]), out var merge)) return;
            queue.Enqueue((left, right, symbols[left], symbols[right], merge.Result), ((long)merge.Rank << 32) | (uint)left);
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Atelier.Text.Tokenizers;

/// <summary>
/// Learns byte-level BPE merges. The corpus is reduced once to its distinct pre-tokenized pieces with their counts;
/// pair counts are then kept up to date incrementally, touching only the pieces that hold the pair being merged,
/// so each merge costs time in proportion to where it applies rather than to the size of the corpus.
/// </summary>
internal static class ByteLevelBpeTrainer
{
    /// <summary>Token bytes by id (ids 0–255 are the single bytes) and the merges in the order learned.</summary>
    public sealed record Result(IReadOnlyList<byte[]> Tokens, IReadOnlyList<(int Left, int Right)> Merges);

    /// <summary>
    /// Merges until there are <paramref name="tokenTarget"/> tokens or no pair is left, whichever comes first.
    /// Each step merges the most frequent pair; ties go to the pair with the smaller left id, then the smaller
    /// right id, so that the result depends only on the corpus, never on hashing or enumeration order.
    /// </summary>
    public static Result Train(IEnumerable<string> documents, int tokenTarget, CancellationToken cancellationToken)
    {
        var (words, frequencies) = CountWords(documents, cancellationToken);

        var tokens = new List<byte[]>(tokenTarget);
        var ids = new Dictionary<string, int>(tokenTarget);
        for (int b = 0; b < 256; b++)
        {
            tokens.Add([(byte)b]);
            ids[ByteLevelAlphabet.Encode([(byte)b])] = b;
        }

        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Length; w++)
        {
            var symbols = words[w];
            for (int i = 0; i + 1 < symbols.Length; i++)
            {
                long pair = Key(symbols[i], symbols[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += frequencies[w];
                AddOccurrence(where, pair, w);
            }
        }
        var queue = new PriorityQueue<long, Candidate>(pairCounts.Select(p => (p.Key, new Candidate(p.Value, p.Key))));

        var lengths = words.Select(w => w.Length).ToArray();
        var merges = new List<(int, int)>();
        var created = new HashSet<long>();
        while (tokens.Count < tokenTarget && queue.TryDequeue(out long pair, out var candidate))
        {
            if (!pairCounts.TryGetValue(pair, out long count) || count <= 0) continue;
            if (count != candidate.Count)
            {
                // The count fell since this entry was queued: queue it again at its true count. (A pair whose count
                // rose was queued afresh when it rose, so every pair always has an entry at or above its count.)
                queue.Enqueue(pair, new Candidate(count, pair));
                continue;
            }
            if (merges.Count % 64 == 0) cancellationToken.ThrowIfCancellationRequested();

            int left = (int)(pair >> 32), right = (int)pair;
            byte[] merged = [.. tokens[left], .. tokens[right]];
            // Two merge paths can spell the same bytes (a+bc and ab+c); they share one token, as llama.cpp looks
            // tokens up by text.
            var text = ByteLevelAlphabet.Encode(merged);
            if (!ids.TryGetValue(text, out int id))
            {
                id = tokens.Count;
                tokens.Add(merged);
                ids[text] = id;
            }
            merges.Add((left, right));
            pairCounts.Remove(pair);

            created.Clear();
            if (where.Remove(pair, out var occurrences))
            {
                foreach (int w in occurrences)
                {
                    lengths[w] = Merge(words[w], lengths[w], left, right, id, frequencies[w], w, pairCounts, where, created);
                }
            }
            foreach (long newPair in created)
            {
                if (pairCounts.TryGetValue(newPair, out long newCount) && newCount > 0) queue.Enqueue(newPair, new Candidate(newCount, newPair));
                else pairCounts.Remove(newPair);
            }
        }
        return new Result(tokens, merges);
    }

    /// <summary>Replaces each occurrence of (left, right) in a word, left to right, and records how pair counts change.</summary>
    private static int Merge(
        int[] symbols, int length, int left, int right, int merged, long frequency, int word,
        Dictionary<long, long> pairCounts, Dictionary<long, List<int>> where, HashSet<long> created)
    {
        int write = 0;
        for (int read = 0; read < length;)
        {
            if (read + 1 < length && symbols[read] == left && symbols[read + 1] == right)
            {
                if (write > 0)
                {
                    int before = symbols[write - 1];
                    Decrement(pairCounts, Key(before, left), frequency);
                    Increment(pairCounts, where, created, Key(before, merged), frequency, word);
                }
                if (read + 2 < length)
                {
                    int after = symbols[read + 2];
                    Decrement(pairCounts, Key(right, after), frequency);
                    Increment(pairCounts, where, created, Key(merged, after), frequency, word);
                }
                symbols[write++] = merged;
                read += 2;
            }
            else
            {
                symbols[write++] = symbols[read++];
            }
        }
        return write;
    }

    private static void Decrement(Dictionary<long, long> pairCounts, long pair, long frequency)
    {
        // The pair being merged is already gone from the counts; its own overlaps (a a a) land here and are ignored.
        ref long count = ref CollectionsMarshal.GetValueRefOrNullRef(pairCounts, pair);
        if (!Unsafe.IsNullRef(ref count)) count -= frequency;
    }

    private static void Increment(
        Dictionary<long, long> pairCounts, Dictionary<long, List<int>> where, HashSet<long> created, long pair, long frequency, int word)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += frequency;
        AddOccurrence(where, pair, word);
        created.Add(pair);
    }

    private static void AddOccurrence(Dictionary<long, List<int>> where, long pair, int word)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(where, pair, out _);
        list ??= [];
        // Words are visited in order, so a repeat of the same word is always the last entry.
        if (list.Count == 0 || list[^1] != word) list.Add(word);
    }

    /// <summary>The distinct pieces of the corpus as byte ids, with how often each occurs.</summary>
    private static (int[][] Words, long[] Frequencies) CountWords(IEnumerable<string> documents, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>();
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = new List<(int Start, int Length)>();
        int seen = 0;
        foreach (var document in documents)
        {
            if (++seen % 1024 == 0) cancellationToken.ThrowIfCancellationRequested();
            pieces.Clear();
            Gpt2PreTokenizer.Split(document, pieces);
            foreach (var (start, length) in pieces)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(lookup, document.AsSpan(start, length), out _)++;
            }
        }

        var words = new int[counts.Count][];
        var frequencies = new long[counts.Count];
        int w = 0;
        foreach (var (piece, count) in counts)
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var symbols = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) symbols[i] = bytes[i];
            words[w] = symbols;
            frequencies[w++] = count;
        }
        return (words, frequencies);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Queue order: the higher count first, then the smaller pair key (left id, then right id).</summary>
    private readonly record struct Candidate(long Count, long Pair) : IComparable<Candidate>
    {
        public int CompareTo(Candidate other)
        {
            int byCount = other.Count.CompareTo(Count);
            return byCount != 0 ? byCount : Pair.CompareTo(other.Pair);
        }
    }
}

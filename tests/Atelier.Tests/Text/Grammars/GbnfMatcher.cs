using System.Text;
using Atelier.Text.Grammars;

namespace Atelier.Tests.Text.Grammars;

/// <summary>
/// A recognizer and a random-walk generator for checked GBNF grammars, used to test grammars without a model.
/// Matching computes, for each node and start position, the set of positions where a match can end, so ambiguity
/// and backtracking cost nothing special; rule results are memoized per position. Input is compared by code point,
/// as llama.cpp does.
/// </summary>
internal sealed class GbnfMatcher
{
    private readonly Dictionary<string, GbnfChoice> _rules;
    private readonly string _root;

    public GbnfMatcher(string grammar, string root = GbnfGrammar.DefaultRoot)
    {
        GbnfGrammar.Parse(grammar, root);
        _rules = GbnfParser.Parse(grammar).ToDictionary(r => r.Name, r => r.Body);
        _root = root;
    }

    public bool Matches(string input) => new Run(this, input).Matches();

    /// <summary>A random string of the grammar's language: random alternatives, repetition counts and characters.</summary>
    public string Generate(Random random, int unboundedExtra = 3)
    {
        var text = new StringBuilder();
        Walk(_rules[_root], random, text, unboundedExtra, depth: 0);
        return text.ToString();
    }

    private void Walk(GbnfNode node, Random random, StringBuilder text, int unboundedExtra, int depth)
    {
        if (depth > 200)
            throw new InvalidOperationException("the grammar nests too deeply to generate from");
        switch (node)
        {
            case GbnfChoice choice:
                Walk(choice.Options[random.Next(choice.Options.Count)], random, text, unboundedExtra, depth + 1);
                break;
            case GbnfSequence sequence:
                foreach (var item in sequence.Items)
                    Walk(item, random, text, unboundedExtra, depth + 1);
                break;
            case GbnfLiteral literal:
                foreach (var codePoint in literal.CodePoints)
                    text.Append(char.ConvertFromUtf32(codePoint));
                break;
            case GbnfCharClass charClass:
                text.Append(char.ConvertFromUtf32(RandomCodePoint(charClass, random)));
                break;
            case GbnfAnyChar:
                text.Append(char.ConvertFromUtf32(CodePointCandidate(random)));
                break;
            case GbnfRuleRef reference:
                Walk(_rules[reference.Name], random, text, unboundedExtra, depth + 1);
                break;
            case GbnfRepeat repeat:
                int count = random.Next(repeat.Min, (repeat.Max ?? repeat.Min + unboundedExtra) + 1);
                for (int i = 0; i < count; i++)
                    Walk(repeat.Item, random, text, unboundedExtra, depth + 1);
                break;
        }
    }

    private static int RandomCodePoint(GbnfCharClass charClass, Random random)
    {
        if (!charClass.Negated)
        {
            var (low, high) = charClass.Ranges[random.Next(charClass.Ranges.Count)];
            for (int attempt = 0; attempt < 100; attempt++)
            {
                int candidate = random.Next(low, high + 1);
                if (!IsSurrogate(candidate))
                    return candidate;
            }
            throw new InvalidOperationException("character class holds only surrogates");
        }
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int candidate = CodePointCandidate(random);
            if (charClass.Matches(candidate))
                return candidate;
        }
        throw new InvalidOperationException("no candidate character fits the negated class");
    }

    // Characters that trip up length counting or JSON: combining marks, joiners, emoji, regional indicators, Hangul
    // jamo, prepend marks, spacing marks, variation selectors.
    private static readonly int[] Tricky = [0x0301, 0x200D, 0x1F600, 0x1F1E6, 0x1F1F7, 0x1100, 0x1161, 0x0600, 0x0903, 0xFE0F, 0xAC00, 0x2028, 0xFEFF];

    private static int CodePointCandidate(Random random)
    {
        int roll = random.Next(100);
        int candidate = roll switch
        {
            < 55 => random.Next(0x20, 0x7F),
            < 65 => random.Next(0x00, 0x20),
            < 70 => '"',
            < 75 => '\\',
            < 85 => Tricky[random.Next(Tricky.Length)],
            < 95 => random.Next(0x80, 0x10000),
            _ => random.Next(0x10000, 0x110000),
        };
        return IsSurrogate(candidate) ? 'x' : candidate;
    }

    private static bool IsSurrogate(int codePoint) => codePoint is >= 0xD800 and <= 0xDFFF;

    private sealed class Run(GbnfMatcher grammar, string input)
    {
        private readonly int[] _input = input.EnumerateRunes().Select(r => r.Value).ToArray();
        private readonly Dictionary<(string, int), HashSet<int>> _memo = [];

        public bool Matches() => MatchRule(grammar._root, 0).Contains(_input.Length);

        private HashSet<int> MatchRule(string name, int position)
        {
            if (_memo.TryGetValue((name, position), out var ends))
                return ends;
            ends = Match(grammar._rules[name], position);
            _memo[(name, position)] = ends;
            return ends;
        }

        private HashSet<int> Match(GbnfNode node, int position)
        {
            switch (node)
            {
                case GbnfChoice choice:
                    var ends = new HashSet<int>();
                    foreach (var option in choice.Options)
                        ends.UnionWith(Match(option, position));
                    return ends;
                case GbnfSequence sequence:
                    var current = new HashSet<int> { position };
                    foreach (var item in sequence.Items)
                    {
                        current = Step(item, current);
                        if (current.Count == 0)
                            break;
                    }
                    return current;
                case GbnfLiteral literal:
                    for (int i = 0; i < literal.CodePoints.Count; i++)
                        if (position + i >= _input.Length || _input[position + i] != literal.CodePoints[i])
                            return [];
                    return [position + literal.CodePoints.Count];
                case GbnfCharClass charClass:
                    return position < _input.Length && charClass.Matches(_input[position]) ? [position + 1] : [];
                case GbnfAnyChar:
                    return position < _input.Length ? [position + 1] : [];
                case GbnfRuleRef reference:
                    return MatchRule(reference.Name, position);
                case GbnfRepeat repeat:
                    return MatchRepeat(repeat, position);
                default:
                    throw new InvalidOperationException($"unknown node {node}");
            }
        }

        /// <summary>Where <paramref name="item"/> can end when it starts at any of <paramref name="starts"/>.</summary>
        private HashSet<int> Step(GbnfNode item, HashSet<int> starts)
        {
            var ends = new HashSet<int>();
            foreach (int start in starts)
                ends.UnionWith(Match(item, start));
            return ends;
        }

        private HashSet<int> MatchRepeat(GbnfRepeat repeat, int position)
        {
            // Each useful iteration consumes at least one character, so the input length bounds unbounded repetition.
            int max = repeat.Max ?? repeat.Min + _input.Length - position + 1;
            var ends = repeat.Min == 0 ? new HashSet<int> { position } : [];
            var current = new HashSet<int> { position };
            for (int count = 1; count <= max && current.Count > 0; count++)
            {
                current = Step(repeat.Item, current);
                if (count >= repeat.Min)
                    ends.UnionWith(current);
            }
            return ends;
        }
    }
}

namespace Atelier.Text.Grammars;

/// <summary>
/// A GBNF grammar checked before it reaches llama.cpp, which on a malformed grammar yields no sampler or, for some
/// (a repetition like <c>{3,2}</c>), exhausts memory. The syntax rules follow llama.cpp's parser (quotes, brackets,
/// parentheses, escapes, repetitions); beyond them every referenced rule must be defined, the root rule must exist and
/// no rule may be left-recursive. A few things llama.cpp lets pass are refused as near-certain mistakes: a rule defined
/// twice (it would keep the last), an empty or reversed character class, a string literal running past its line.
/// </summary>
public sealed record GbnfGrammar(string Text, string Root)
{
    public const string DefaultRoot = "root";

    /// <summary>Reads and checks a grammar file; errors name the file and the line.</summary>
    public static GbnfGrammar Load(string path, string root = DefaultRoot)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GrammarException($"GBNF grammar '{path}' cannot be read: {e.Message}", e);
        }
        try
        {
            return Parse(text, root);
        }
        catch (GrammarException e) when (e.Message.StartsWith("GBNF ", StringComparison.Ordinal))
        {
            throw new GrammarException($"GBNF grammar '{path}' {e.Message["GBNF ".Length..]}", e);
        }
    }

    /// <summary>Checks grammar text; throws <see cref="GrammarException"/> with the line of the first problem.</summary>
    public static GbnfGrammar Parse(string text, string root = DefaultRoot)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(root);
        var rules = GbnfParser.Parse(text);
        CheckDefinitions(rules, root);
        CheckLeftRecursion(rules);
        CheckEmptyRepetitions(rules);
        return new GbnfGrammar(text, root);
    }

    private static void CheckDefinitions(IReadOnlyList<GbnfRule> rules, string root)
    {
        var defined = new Dictionary<string, GbnfRule>();
        foreach (var rule in rules)
            if (!defined.TryAdd(rule.Name, rule))
                throw new GrammarException(
                    $"GBNF line {rule.Line}: rule '{rule.Name}' is already defined on line {defined[rule.Name].Line}");

        foreach (var rule in rules)
            foreach (var reference in References(rule.Body))
                if (!defined.ContainsKey(reference.Name))
                    throw new GrammarException($"GBNF line {reference.Line}: rule '{reference.Name}' is used but never defined");

        if (!defined.ContainsKey(root))
            throw new GrammarException($"GBNF line 1: the grammar has no '{root}' rule to start from");
    }

    /// <summary>
    /// A rule is left-recursive when it can reach itself without consuming input. llama.cpp refuses the cases it
    /// detects, and expanding the others would never finish, so every one is reported with the rule's line.
    /// </summary>
    private static void CheckLeftRecursion(IReadOnlyList<GbnfRule> rules)
    {
        var nullable = new HashSet<string>();
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var rule in rules)
                if (!nullable.Contains(rule.Name) && IsNullable(rule.Body, nullable))
                    changed = nullable.Add(rule.Name);
        }

        var leftEdges = rules.ToDictionary(r => r.Name, r => LeftReferences(r.Body, nullable).Select(x => x.Name).ToHashSet());
        var state = new Dictionary<string, bool>(); // false: on the current path, true: fully explored
        foreach (var rule in rules)
            Visit(rule.Name);

        void Visit(string name)
        {
            if (state.TryGetValue(name, out bool done))
            {
                if (!done)
                {
                    var rule = rules.First(r => r.Name == name);
                    throw new GrammarException(
                        $"GBNF line {rule.Line}: rule '{name}' is left-recursive (it can reach itself before matching any character)");
                }
                return;
            }
            state[name] = false;
            foreach (var next in leftEdges[name])
                Visit(next);
            state[name] = true;
        }
    }

    /// <summary>
    /// llama.cpp rewrites <c>X*</c>, <c>X+</c> and <c>X{m,}</c> into a rule <c>R ::= X R | </c>, and rejects it as
    /// left-recursive when X is a group or rule with an empty alternative, or is itself optional.
    /// </summary>
    private static void CheckEmptyRepetitions(IReadOnlyList<GbnfRule> rules)
    {
        var bodies = rules.ToDictionary(r => r.Name, r => r.Body);
        foreach (var rule in rules)
            if (Repeats(rule.Body).Any(r => r.Max is null && MayBeEmpty(r.Item)))
                throw new GrammarException(
                    $"GBNF line {rule.Line}: rule '{rule.Name}' repeats without limit an item that can match nothing, "
                    + "which llama.cpp rejects as left recursion");

        bool MayBeEmpty(GbnfNode item) => item switch
        {
            GbnfChoice group => HasEmptyOption(group),
            GbnfRuleRef reference => HasEmptyOption(bodies[reference.Name]),
            GbnfRepeat repeat => repeat.Min == 0,
            _ => false,
        };

        static bool HasEmptyOption(GbnfChoice choice) =>
            choice.Options.Any(o => o.Items.All(i => i is GbnfLiteral { CodePoints.Count: 0 } or GbnfRepeat { Max: 0 }));
    }

    private static IEnumerable<GbnfRepeat> Repeats(GbnfNode node) => node switch
    {
        GbnfChoice c => c.Options.SelectMany(Repeats),
        GbnfSequence s => s.Items.SelectMany(Repeats),
        GbnfRepeat r => Repeats(r.Item).Prepend(r),
        _ => [],
    };

    private static bool IsNullable(GbnfNode node, HashSet<string> nullableRules) => node switch
    {
        GbnfChoice c => c.Options.Any(o => IsNullable(o, nullableRules)),
        GbnfSequence s => s.Items.All(i => IsNullable(i, nullableRules)),
        GbnfLiteral l => l.CodePoints.Count == 0,
        GbnfRuleRef r => nullableRules.Contains(r.Name),
        GbnfRepeat r => r.Min == 0 || IsNullable(r.Item, nullableRules),
        _ => false,
    };

    /// <summary>Rule references that may be the first thing matched by <paramref name="node"/>.</summary>
    private static IEnumerable<GbnfRuleRef> LeftReferences(GbnfNode node, HashSet<string> nullableRules)
    {
        switch (node)
        {
            case GbnfChoice c:
                return c.Options.SelectMany(o => LeftReferences(o, nullableRules));
            case GbnfSequence s:
                var found = new List<GbnfRuleRef>();
                foreach (var item in s.Items)
                {
                    found.AddRange(LeftReferences(item, nullableRules));
                    if (!IsNullable(item, nullableRules))
                        break;
                }
                return found;
            case GbnfRuleRef r:
                return [r];
            case GbnfRepeat r:
                return LeftReferences(r.Item, nullableRules);
            default:
                return [];
        }
    }

    private static IEnumerable<GbnfRuleRef> References(GbnfNode node) => node switch
    {
        GbnfChoice c => c.Options.SelectMany(References),
        GbnfSequence s => s.Items.SelectMany(References),
        GbnfRuleRef r => [r],
        GbnfRepeat r => References(r.Item),
        _ => [],
    };
}

using Atelier.Text.Grammars;

namespace Atelier.Tests.Text.Grammars;

public sealed class GbnfGrammarTests
{
    // The shape of llama.cpp's own grammars/json.gbnf: comments, multi-line groups, classes, repetitions.
    private const string JsonLikeGrammar = """
        # a JSON value with optional whitespace
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws

        object ::=
          "{" ws (
                    string ":" ws value
            ("," ws string ":" ws value)*
          )? "}" ws

        array  ::=
          "[" ws (
                    value
            ("," ws value)*
          )? "]" ws

        string ::=
          "\"" (
            [^"\\\x7F\x00-\x1F] |
            "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
          )* "\"" ws

        number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
        ws ::= | " " | "\n" [ \t]{0,20}
        """;

    [Fact]
    public void Parse_AcceptsAWellFormedGrammar_AndKeepsItsText()
    {
        var grammar = GbnfGrammar.Parse(JsonLikeGrammar);
        Assert.Equal(JsonLikeGrammar, grammar.Text);
        Assert.Equal("root", grammar.Root);

        var matcher = new GbnfMatcher(JsonLikeGrammar);
        Assert.True(matcher.Matches("""{"a": [1, -2.5e3, "x\n", true]}"""));
        Assert.False(matcher.Matches("""{"a": [1,]}"""));
    }

    [Fact]
    public void Parse_AcceptsAnotherRootName()
    {
        var grammar = GbnfGrammar.Parse("answer ::= \"yes\" | \"no\"\n", root: "answer");
        Assert.Equal("answer", grammar.Root);
    }

    [Theory]
    [InlineData("root ::= \"abc\n", "GBNF line 1: string literal runs past the end of the line; write \\n for a newline")]
    [InlineData("root ::= x\nx ::= \"a", "GBNF line 2: string literal opened on line 2 is never closed")]
    [InlineData("root ::= [a-z\n", "GBNF line 1: character class is never closed with ']'")]
    [InlineData("root ::= []", "GBNF line 1: character class is empty")]
    [InlineData("root ::= [z-a]", "GBNF line 1: character range z-a is reversed")]
    [InlineData("root ::= (\"a\" | \"b\"\nx ::= \"c\"\n", "GBNF line 2: expected ')' to close the '(' from line 1 but found ':'")]
    [InlineData("root ::= \"a\")\n", "GBNF line 1: unexpected ')' in rule 'root'")]
    [InlineData("root ::= \"a\"\n\n  | \"b\"\n", "GBNF line 3: expected a rule name but found '|'")]
    [InlineData("root ::= \"a\" b\n", "GBNF line 1: rule 'b' is used but never defined")]
    [InlineData("start ::= \"a\"\n", "GBNF line 1: the grammar has no 'root' rule to start from")]
    [InlineData("root ::= a\na ::= \"x\"\na ::= \"y\"\n", "GBNF line 3: rule 'a' is already defined on line 2")]
    [InlineData("root ::= \"a\" \"\\q\"", "GBNF line 1: unknown escape '\\q'")]
    [InlineData("root ::= \"\\x4\"", "GBNF line 1: expected 2 hex digits in the escape")]
    [InlineData("root ::= \"a\"{2001}", "GBNF line 1: repetition count above 2000, which llama.cpp rejects")]
    [InlineData("root ::= \"a\"{3,2}", "GBNF line 1: repetition {3,2} has its maximum below its minimum")]
    [InlineData("root ::= \"a\"{x}", "GBNF line 1: expected a number in the repetition but found 'x'")]
    [InlineData("root ::= * \"a\"", "GBNF line 1: '*' must follow an item")]
    [InlineData("root ::= \"a\"\nbad name ::= \"b\"", "GBNF line 2: expected '::=' after rule name 'bad'")]
    [InlineData("root ::= expr\nexpr ::= term | expr \"+\" term\nterm ::= [0-9]\n", "GBNF line 2: rule 'expr' is left-recursive (it can reach itself before matching any character)")]
    [InlineData("root ::= a\na ::= b? \"x\"\nb ::= [x]? a\n", "GBNF line 2: rule 'a' is left-recursive (it can reach itself before matching any character)")]
    [InlineData("root ::= \"\"?", "GBNF line 1: '?' must follow an item")]
    [InlineData("root ::= \"b\"\nrest ::= (\"a\" | )*", "GBNF line 2: rule 'rest' repeats without limit an item that can match nothing, which llama.cpp rejects as left recursion")]
    [InlineData("root ::= \"a\"?+", "GBNF line 1: rule 'root' repeats without limit an item that can match nothing, which llama.cpp rejects as left recursion")]
    public void Parse_RejectsBrokenGrammars_WithTheLine(string text, string message)
    {
        var error = Assert.Throws<GrammarException>(() => GbnfGrammar.Parse(text));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_AllowsRecursionThatConsumesInputFirst()
    {
        var matcher = new GbnfMatcher("root ::= \"(\" root? \")\"\n");
        Assert.True(matcher.Matches("((()))"));
        Assert.False(matcher.Matches("(()"));
    }

    [Fact]
    public void Parse_IgnoresCommentsAndBlankLines_AndReadsEscapesAsLlamaCppDoes()
    {
        const string text = "# header\n\nroot ::= \"\\x41\\u00e9\\t\" [\\[\\]] # trailing\n\n";
        var matcher = new GbnfMatcher(text);
        Assert.True(matcher.Matches("Aé\t["));
        Assert.True(matcher.Matches("Aé\t]"));
    }

    [Fact]
    public void Load_NamesTheFileInErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"atelier-{Guid.NewGuid():N}.gbnf");
        try
        {
            File.WriteAllText(path, "root ::= \"ok\"\n");
            Assert.Equal("root ::= \"ok\"\n", GbnfGrammar.Load(path).Text);

            File.WriteAllText(path, "root ::= \"ok\"\nother ::= missing\n");
            var error = Assert.Throws<GrammarException>(() => GbnfGrammar.Load(path));
            Assert.Equal($"GBNF grammar '{path}' line 2: rule 'missing' is used but never defined", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<GrammarException>(() => GbnfGrammar.Load(path));
    }
}

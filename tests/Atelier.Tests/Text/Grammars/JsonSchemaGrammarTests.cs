using System.Text.Json;
using Atelier.Text.Grammars;
using Json.Schema;

namespace Atelier.Tests.Text.Grammars;

public sealed class JsonSchemaGrammarTests
{
    private static readonly string PersonSchema = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Text", "Grammars", "person.schema.json"));

    [Fact]
    public void PersonSchema_RandomWalksThroughTheGrammar_AllValidateAgainstTheSchema()
    {
        var grammar = new GbnfMatcher(JsonSchemaGrammar.FromSchema(PersonSchema));
        var schema = JsonSchema.FromText(PersonSchema);
        var random = new Random(20240611);

        for (int i = 0; i < 500; i++)
        {
            string instance = grammar.Generate(random);
            if (i < 100) // the generator and the recognizer must agree; a sample of them shows it
                Assert.True(grammar.Matches(instance), $"the matcher rejects generated text {instance}");
            AssertValid(schema, instance);
        }
    }

    [Theory]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"kind":"person","name":"Ada \"A\" L\u00e9","nickname":"","age":0,"balance":-15,"height":0.5,"temperature":-40.499,"role":"viewer","active":false,"middleName":null,"born":"1815-12-10","address":{"city":"London","zip":1000,"location":{"lat":-90,"lon":180.0}},"tags":["ab","0123456789"],"pets":[{"name":"Tom","species":null,"legs":4},{"species":"dog"},{"species":"fish","legs":0}],"contact":{"email":"a@b"}}""")]
    [InlineData("""{"name":"B","age":130,"balance":230,"height":2.749999,"temperature":60.000,"role":"editor","pets":[{"species":"cat"}],"contact":null}""")]
    public void PersonSchema_AcceptsValidInstances(string instance)
    {
        AssertValid(JsonSchema.FromText(PersonSchema), instance);
        Assert.True(Matcher(PersonSchema).Matches(instance));
    }

    [Theory]
    [InlineData("""{"age":36,"role":"admin","pets":[{"species":"cat"}]}""")] // name missing
    [InlineData("""{"name":"","age":36,"role":"admin","pets":[{"species":"cat"}]}""")] // name too short
    [InlineData("""{"name":"Ada","age":131,"role":"admin","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"balance":-16,"role":"admin","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"height":2.75,"role":"admin","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"temperature":-40.5,"role":"admin","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"owner","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","pets":[]}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","pets":[{"species":"cat"}],"extra":1}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","tags":["a"],"pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","born":"2023-02-30","pets":[{"species":"cat"}]}""")]
    [InlineData("""{"name":"Ada","age":36,"role":"admin","pets":[{"species":"cat"}],"contact":{"email":"a@b","phone":"12345"}}""")]
    [InlineData("""{"name": "Ada","age":36,"role":"admin","pets":[{"species":"cat"}]}""")] // whitespace
    [InlineData("""{"age":36,"name":"Ada","role":"admin","pets":[{"species":"cat"}]}""")] // not in schema order
    public void PersonSchema_RejectsInvalidOrNonCompactInstances(string instance) =>
        Assert.False(Matcher(PersonSchema).Matches(instance));

    [Fact]
    public void OptionalProperties_AnySubsetInSchemaOrder_WithCorrectCommas()
    {
        var grammar = Matcher("""{"type":"object","properties":{"a":{"const":1},"b":{"const":2},"c":{"const":3}}}""");
        string[] members = ["\"a\":1", "\"b\":2", "\"c\":3"];
        for (int mask = 0; mask < 8; mask++)
        {
            var present = members.Where((_, i) => (mask & (1 << i)) != 0);
            Assert.True(grammar.Matches("{" + string.Join(",", present) + "}"), $"subset {mask}");
        }
        foreach (var bad in (string[])["{,\"a\":1}", "{\"a\":1,}", "{\"b\":2,\"a\":1}", "{\"a\":1\"b\":2}", "{\"a\":1,\"a\":1}", "{\"a\":1,,\"c\":3}"])
            Assert.False(grammar.Matches(bad), bad);
    }

    [Fact]
    public void RequiredBetweenOptionalProperties_IsAlwaysPresent()
    {
        var grammar = Matcher("""{"type":"object","properties":{"a":{"const":1},"b":{"const":2},"c":{"const":3}},"required":["b"]}""");
        foreach (var good in (string[])["{\"b\":2}", "{\"a\":1,\"b\":2}", "{\"b\":2,\"c\":3}", "{\"a\":1,\"b\":2,\"c\":3}"])
            Assert.True(grammar.Matches(good), good);
        foreach (var bad in (string[])["{}", "{\"a\":1}", "{\"a\":1,\"c\":3}", "{\"c\":3}"])
            Assert.False(grammar.Matches(bad), bad);
    }

    [Fact]
    public void RequiredNameWithoutSchema_UsesAdditionalProperties()
    {
        var grammar = Matcher("""{"type":"object","required":["id"],"additionalProperties":{"type":"integer","minimum":1,"maximum":9}}""");
        Assert.True(grammar.Matches("""{"id":5}"""));
        Assert.False(grammar.Matches("""{"id":10}"""));
        Assert.False(grammar.Matches("{}"));
    }

    [Fact]
    public void StringLengths_CountCharactersAndEscapes()
    {
        var grammar = Matcher("""{"type":"string","minLength":2,"maxLength":3}""");
        foreach (var good in (string[])["\"ab\"", "\"abc\"", "\"a\\n\"", "\"\\\"\\\\\"", "\"ab\\u00e9\"", "\"a\\/\\uFFFD\""])
            Assert.True(grammar.Matches(good), good);
        foreach (var bad in (string[])["\"a\"", "\"abcd\"", "\"ab\\ud800\"", "\"ab\\x\"", "\"a\"b\"", "\"ab\u0001\"", "ab"])
            Assert.False(grammar.Matches(bad), bad);
    }

    [Fact]
    public void NonAsciiCharacters_AreOnlyWrittenAsEscapes()
    {
        // llama.cpp's grammar matcher would take a UTF-8 lead byte followed by any byte for a character, so the grammar
        // never lets a model start a multi-byte sequence; \u escapes still reach every character.
        string gbnf = JsonSchemaGrammar.FromSchema("""{"type":"object","properties":{"café":{"enum":["é","日本"]},"s":{"type":"string"}},"required":["café","s"]}""");
        Assert.True(gbnf.All(char.IsAscii), gbnf);
        var grammar = new GbnfMatcher(gbnf);
        Assert.True(grammar.Matches("""{"caf\u00e9":"\u00e9","s":"\u65e5\u672c"}"""));
        Assert.True(grammar.Matches("""{"caf\u00e9":"\u65e5\u672c","s":""}"""));
        Assert.False(grammar.Matches("""{"café":"\u00e9","s":""}"""));
        Assert.False(grammar.Matches("""{"caf\u00e9":"é","s":""}"""));
        Assert.False(grammar.Matches("""{"caf\u00e9":"\u00e9","s":"日本"}"""));
    }

    [Fact]
    public void StringMinimum_UsesCharactersThatNeverJoinTheirNeighbours()
    {
        // Validators may count grapheme clusters: "e" + U+0301 or "\r\n" would be one character to them.
        var grammar = Matcher("""{"type":"string","minLength":2,"maxLength":4}""");
        Assert.False(grammar.Matches("\"e\u0301\""));
        Assert.False(grammar.Matches("\"\\r\\n\""));
        Assert.False(grammar.Matches("\"e\\u0301\""));
        Assert.True(grammar.Matches("\"ab\\u0301\""));
    }

    [Fact]
    public void UnboundedValues_GetDefaultCaps()
    {
        var text = Matcher("""{"type":"string"}""");
        Assert.True(text.Matches("\"" + new string('x', JsonSchemaGrammar.DefaultMaxStringLength) + "\""));
        Assert.False(text.Matches("\"" + new string('x', JsonSchemaGrammar.DefaultMaxStringLength + 1) + "\""));

        var list = Matcher("""{"type":"array","items":{"type":"boolean"}}""");
        Assert.True(list.Matches("[]"));
        Assert.True(list.Matches("[" + string.Join(",", Enumerable.Repeat("true", JsonSchemaGrammar.DefaultMaxItems)) + "]"));
        Assert.False(list.Matches("[" + string.Join(",", Enumerable.Repeat("true", JsonSchemaGrammar.DefaultMaxItems + 1)) + "]"));

        var integer = Matcher("""{"type":"integer"}""");
        Assert.True(integer.Matches(new string('9', 15)));
        Assert.True(integer.Matches("-" + new string('9', 15)));
        Assert.False(integer.Matches("1" + new string('0', 15)));

        var negative = Matcher("""{"type":"integer","maximum":-3}""");
        Assert.True(negative.Matches("-" + new string('9', 15)));
        Assert.False(negative.Matches("-1" + new string('0', 15)));
        Assert.False(negative.Matches("-2"));
        var positive = Matcher("""{"type":"number","exclusiveMinimum":2}""");
        Assert.True(positive.Matches(new string('9', 15) + ".25"));
        Assert.False(positive.Matches("1" + new string('0', 15)));
        Assert.False(positive.Matches("2"));
    }

    [Fact]
    public void ArrayBounds_AreExact()
    {
        var grammar = Matcher("""{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":2,"maxItems":3}""");
        Assert.True(grammar.Matches("[1,2]"));
        Assert.True(grammar.Matches("[1,2,3]"));
        Assert.False(grammar.Matches("[1]"));
        Assert.False(grammar.Matches("[1,2,3,4]"));
        Assert.False(grammar.Matches("[1,,2]"));
        Assert.False(grammar.Matches("[1,2,]"));
    }

    [Fact]
    public void EnumAndConst_AcceptExactlyTheirValues()
    {
        var grammar = Matcher("""{"enum":[1,"a\"b",null,{"x":[1,2]},true,"é"]}""");
        foreach (var good in (string[])["1", "\"a\\\"b\"", "null", "{\"x\":[1,2]}", "true", "\"\\u00e9\""])
            Assert.True(grammar.Matches(good), good);
        foreach (var bad in (string[])["2", "\"a\"", "false", "{\"x\":[1]}", "{ \"x\":[1,2]}"])
            Assert.False(grammar.Matches(bad), bad);

        var typed = Matcher("""{"type":"string","enum":["a",1,"b"]}""");
        Assert.True(typed.Matches("\"a\""));
        Assert.False(typed.Matches("1"));
        Assert.True(Matcher("""{"const":{"k":"v"}}""").Matches("""{"k":"v"}"""));
    }

    [Fact]
    public void RefsAlternativesAndTypeArrays_Compose()
    {
        var grammar = Matcher("""
            {"definitions":{"id":{"type":"integer","minimum":1,"maximum":99}},
             "type":"object",
             "properties":{
               "a":{"$ref":"#/definitions/id"},
               "b":{"oneOf":[{"type":"boolean"},{"$ref":"#/definitions/id"}]},
               "c":{"type":["string","null"],"maxLength":2},
               "d":{"type":"array","items":{"type":"object","properties":{"x":{"$ref":"#/definitions/id"}},"required":["x"]},"maxItems":2}},
             "required":["a","b","c","d"]}
            """);
        Assert.True(grammar.Matches("""{"a":1,"b":true,"c":"ab","d":[]}"""));
        Assert.True(grammar.Matches("""{"a":99,"b":5,"c":null,"d":[{"x":3},{"x":4}]}"""));
        Assert.False(grammar.Matches("""{"a":0,"b":true,"c":"ab","d":[]}"""));
        Assert.False(grammar.Matches("""{"a":1,"b":"x","c":"ab","d":[]}"""));
        Assert.False(grammar.Matches("""{"a":1,"b":true,"c":"abc","d":[]}"""));
        Assert.False(grammar.Matches("""{"a":1,"b":true,"c":null,"d":[{}]}"""));
    }

    public static TheoryData<string> SmallSchemas() =>
    [
        """{"type":"integer","minimum":-15,"maximum":230}""",
        """{"type":"integer","exclusiveMinimum":-1000.5,"exclusiveMaximum":-7}""",
        """{"type":"number"}""",
        """{"type":"number","exclusiveMinimum":0,"maximum":0.001}""",
        """{"type":"number","minimum":-2.5,"maximum":-2.25}""",
        """{"type":"number","minimum":123.456,"exclusiveMaximum":1000000}""",
        """{"type":"string","minLength":3,"maxLength":5}""",
        """{"type":"string","format":"date-time"}""",
        """{"type":"string","format":"time"}""",
        """{"type":"string","format":"uuid"}""",
        """{"type":"array","items":{"type":"number","minimum":-1,"maximum":1},"minItems":1,"maxItems":4}""",
        """{"type":"object","properties":{"x":{},"y":true}}""",
        """{}""",
        """{"anyOf":[{"type":"integer","minimum":5},{"type":"string","maxLength":3},{"type":"null"}]}""",
        """{"minLength":2,"minimum":10,"maximum":20}""",
        """{"$defs":{"p":{"type":"object","properties":{"q":{"$ref":"#/$defs/q"}},"required":["q"]},"q":{"enum":["x","y"]}},"$ref":"#/$defs/p"}""",
    ];

    [Theory]
    [MemberData(nameof(SmallSchemas))]
    public void SmallSchemas_RandomWalksAllValidate_AndGrammarsPassTheGbnfCheck(string schemaText)
    {
        string gbnf = JsonSchemaGrammar.FromSchema(schemaText);
        GbnfGrammar.Parse(gbnf);
        var grammar = new GbnfMatcher(gbnf);
        var schema = JsonSchema.FromText(schemaText);
        var random = new Random(schemaText.Length);
        for (int i = 0; i < 200; i++)
            AssertValid(schema, grammar.Generate(random));
    }

    [Fact]
    public void SchemaAsJsonElement_GivesTheSameGrammar()
    {
        using var document = JsonDocument.Parse(PersonSchema);
        Assert.Equal(JsonSchemaGrammar.FromSchema(PersonSchema), JsonSchemaGrammar.FromSchema(document.RootElement));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"age":{"type":"date"}}}""", "JSON schema: property 'age' has unsupported type 'date'")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string","pattern":"^[a-z]+$"}}}}}""", "JSON schema: property 'a.b' uses pattern '^[a-z]+$', which is unsupported")]
    [InlineData("""{"type":"string","minLength":5,"maxLength":3}""", "JSON schema: root schema has minLength 5 above maxLength 3")]
    [InlineData("""{"type":"integer","minimum":5,"exclusiveMaximum":5}""", "JSON schema: root schema has no integer within its bounds")]
    [InlineData("""{"type":"number","exclusiveMinimum":1,"maximum":1}""", "JSON schema: root schema has no number within its bounds")]
    [InlineData("""{"$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n"}}},"$ref":"#/$defs/n"}""", "JSON schema: property 'n[]' has recursive $ref '#/$defs/n', which is unsupported")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "JSON schema: root schema has $ref '#/$defs/missing' that points to nothing")]
    [InlineData("""{"not":{"type":"null"}}""", "JSON schema: root schema uses 'not', which is unsupported")]
    [InlineData("""{"allOf":[{"type":"string"},{"maxLength":2}]}""", "JSON schema: root schema uses 'allOf' with other than exactly one schema, which is unsupported")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "JSON schema: root schema uses 'uniqueItems', which is unsupported")]
    [InlineData("""{"type":"object","properties":{"mail":{"type":"string","format":"email"}}}""", "JSON schema: property 'mail' uses format 'email', which is unsupported (supported: date, time, date-time, uuid)")]
    [InlineData("""{"type":"object","properties":{"x":{"type":"string","enum":[1,2]}}}""", "JSON schema: property 'x' has no 'enum' value that matches its 'type'")]
    [InlineData("""{"type":"object","properties":{"x":{"anyOf":[{"type":"string"}],"maxLength":3}}}""", "JSON schema: property 'x' combines 'anyOf' with 'maxLength', which is unsupported")]
    [InlineData("""{"type":"object","required":["x"],"additionalProperties":false}""", "JSON schema: root schema requires 'x', which is not in 'properties' and additionalProperties forbids")]
    [InlineData("""{"type":"number","multipleOf":0.5}""", "JSON schema: root schema uses multipleOf on a number, which is unsupported")]
    [InlineData("""[1]""", "JSON schema: root schema must be a JSON object or boolean, not an array")]
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"string"}]}""", "JSON schema: root schema has 'oneOf' branches that accept the same values")]
    [InlineData("""{"const":1,"enum":[2,3]}""", "JSON schema: root schema has a 'const' that is not among its 'enum' values")]
    public void UnsupportedOrInvalidSchemas_FailWithOneLineMessages(string schema, string message)
    {
        var error = Assert.Throws<GrammarException>(() => JsonSchemaGrammar.FromSchema(schema));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void SchemaThatIsNotJson_FailsWithTheParserMessage()
    {
        var error = Assert.Throws<GrammarException>(() => JsonSchemaGrammar.FromSchema("{\"type\":"));
        Assert.StartsWith("JSON schema is not valid JSON: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void PropertyNamesNeedingEscapes_AndManyOptionalProperties()
    {
        var names = Enumerable.Range(0, 12).Select(i => $"p{i}").Prepend("we\"ird é").ToList();
        string properties = string.Join(",", names.Select(n => JsonSerializer.Serialize(n) + """:{"type":"integer","minimum":0,"maximum":9}"""));
        string schemaText = $$"""{"type":"object","properties":{{{properties}}},"required":["p11"]}""";
        var grammar = Matcher(schemaText);
        var schema = JsonSchema.FromText(schemaText);
        Assert.True(grammar.Matches("""{"we\"ird \u00e9":1,"p3":4,"p11":2}"""));
        Assert.True(grammar.Matches("""{"p11":2}"""));
        Assert.False(grammar.Matches("""{"p3":4}"""));
        var random = new Random(3);
        for (int i = 0; i < 100; i++)
            AssertValid(schema, grammar.Generate(random));
    }

    [Fact]
    public void AnnotationsBesideRefAndAnyOf_AreIgnored()
    {
        var grammar = Matcher("""
            {"$defs":{"c":{"enum":["r","g"]}},"type":"object",
             "properties":{"c":{"$ref":"#/$defs/c","description":"colour"},"n":{"anyOf":[{"type":"integer","minimum":0,"maximum":3},{"type":"null"}],"title":"N","default":null}},
             "required":["c","n"]}
            """);
        Assert.True(grammar.Matches("""{"c":"r","n":null}"""));
        Assert.True(grammar.Matches("""{"c":"g","n":3}"""));
    }

    internal static GbnfMatcher Matcher(string schema) => new(JsonSchemaGrammar.FromSchema(schema));

    private static void AssertValid(JsonSchema schema, string instance)
    {
        using var document = JsonDocument.Parse(instance, new JsonDocumentOptions { AllowDuplicateProperties = false });
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        Assert.True(result.IsValid, $"schema rejects {instance}");
    }
}

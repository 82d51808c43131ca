namespace Atelier.Text.Grammars;

public static class JsonSchemaGrammar
{
    public static string FromSchema(string schemaJson) => throw new GrammarException("pending");
    public static string FromSchema(System.Text.Json.JsonElement schema) => throw new GrammarException("pending");
}

using Microsoft.AspNetCore.Http;

namespace Atelier.Server.OpenAi;

/// <summary>A request the API refuses, answered in OpenAI's error shape: {"error":{"message","type","param","code"}}.</summary>
public sealed class OpenAiError(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
    : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type;

    public IResult ToResult() => Results.Json(Body(Message, Type, Param, Code), statusCode: Status);

    public static object Body(string message, string type, string? param, string? code) =>
        new { error = new { message, type, param, code } };

    public static OpenAiError BadRequest(string message, string? param = null) => new(400, message, param);
}

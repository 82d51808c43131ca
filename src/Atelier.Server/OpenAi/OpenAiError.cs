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

    public IResult ToResult() => Status == 429
        ? new RetryLater(Results.Json(Body(Message, Type, Param, Code), statusCode: Status))
        : Results.Json(Body(Message, Type, Param, Code), statusCode: Status);

    /// <summary>A 429 tells the client when to come back.</summary>
    private sealed class RetryLater(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.RetryAfter = "1";
            return inner.ExecuteAsync(http);
        }
    }

    public static object Body(string message, string type, string? param, string? code) =>
        new { error = new { message, type, param, code } };

    public static OpenAiError BadRequest(string message, string? param = null) => new(400, message, param);
}

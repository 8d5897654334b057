using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Every error on the OpenAI-compatible routes (<c>/v1/chat/completions</c>, <c>/v1/embeddings</c>, <c>/v1/models</c>, <c>/v1/models/{id}</c>)
/// in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, whoever answers it (authentication, rate
/// limits, body limits, the relay): OpenAI clients read only that shape, and otherwise show "429 status code (no body)".
/// Registered before the default writer, so every problem written through <see cref="IProblemDetailsService"/> on those
/// routes takes this shape; everywhere else stays RFC 9457.
/// </summary>
public sealed class OpenAIErrorWriter : IProblemDetailsWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static bool IsOpenAIRoute(PathString path) =>
        path.StartsWithSegments("/v1/chat/completions", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v1/embeddings", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v1/models", StringComparison.OrdinalIgnoreCase);

    public bool CanWrite(ProblemDetailsContext context) => IsOpenAIRoute(context.HttpContext.Request.Path);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var response = context.HttpContext.Response;
        var status = problem.Status ?? response.StatusCode;
        var (message, param) = problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation
            && validation.Errors.First() is var (field, errors)
            ? (errors.FirstOrDefault() ?? problem.Detail, field)
            : (problem.Detail, null);
        var (type, code) = Classify(status);
        var error = new OpenAIError(message ?? DefaultMessage(status), type, param, code);
        return new ValueTask(response.WriteAsJsonAsync(new OpenAIErrorResponse(error), Json, contentType: "application/json"));
    }

    // OpenAI's own types and codes where it has them (invalid_api_key, rate_limit_exceeded).
    private static (string Type, string? Code) Classify(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ("invalid_request_error", "invalid_api_key"),
        StatusCodes.Status403Forbidden => ("invalid_request_error", "forbidden"),
        StatusCodes.Status404NotFound => ("invalid_request_error", "not_found"),
        StatusCodes.Status429TooManyRequests => ("requests", "rate_limit_exceeded"),
        >= 500 => ("server_error", null),
        _ => ("invalid_request_error", null),
    };

    private static string DefaultMessage(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "A valid API key or access token is required (Authorization: Bearer ...).",
        StatusCodes.Status403Forbidden => "This key or token may not use this route.",
        StatusCodes.Status404NotFound => "Not found.",
        StatusCodes.Status405MethodNotAllowed => "This method is not allowed on this route.",
        _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : "The request failed.",
    };

    private sealed record OpenAIErrorResponse(OpenAIError Error);

    private sealed record OpenAIError(string Message, string Type, string? Param, string? Code);
}

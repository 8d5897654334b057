namespace ChatPlatform.ModelRouter.Routing;

/// <summary>Why a request could not be (fully) served, in the terms the API answers with (OpenAI's error shape).</summary>
public sealed class RoutingException(
    int statusCode, string type, string? code, string message, string? param = null,
    IReadOnlyList<DeploymentFailure>? failures = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>OpenAI's error type: <c>invalid_request_error</c>, <c>server_error</c>…</summary>
    public string Type { get; } = type;

    public string? Code { get; } = code;

    public string? Param { get; } = param;

    /// <summary>Each deployment tried (or skipped) and why it did not answer.</summary>
    public IReadOnlyList<DeploymentFailure> Failures { get; } = failures ?? [];

    public static RoutingException ModelNotFound(string model) =>
        new(404, "invalid_request_error", "model_not_found", $"The model '{model}' does not exist or is not available.", "model");

    public static RoutingException InvalidRequest(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", code, message, param);
}

public sealed record DeploymentFailure(string DeploymentId, string Reason);

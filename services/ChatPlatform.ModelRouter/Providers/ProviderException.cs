namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// A provider's failure in provider-neutral terms, so routing can decide: a client error (400) goes back to the
/// caller as it is; a transient one (429, 5xx, timeouts, connection failures) moves on to the next deployment.
/// </summary>
public sealed class ProviderException(
    string message, int? statusCode = null, bool isTransient = true, TimeSpan? retryAfter = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The provider's HTTP status, when it answered with one.</summary>
    public int? StatusCode { get; } = statusCode;

    public bool IsTransient { get; } = isTransient;

    /// <summary>The provider's Retry-After, when it sent one (429, 503).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

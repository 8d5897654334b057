using System.ClientModel;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Anthropic.Exceptions;
using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// Translates what the provider SDKs throw into <see cref="ProviderException"/>: the status, whether another
/// attempt elsewhere may succeed, the provider's Retry-After, and the provider's own error message with anything
/// that looks like a key masked.
/// </summary>
/// <remarks>
/// An <see cref="OperationCanceledException"/> is classified as a transient timeout: a caller whose own token was
/// cancelled should rethrow before classifying.
/// </remarks>
public static partial class ProviderErrors
{
    public static ProviderException Classify(Exception exception, ProviderKind provider) => exception switch
    {
        ProviderException known => known,
        ClientResultException { Status: > 0 } result => FromStatus(
            result.Status, ErrorMessage(ResponseBody(result)) ?? result.Message, RetryAfterOf(result), provider, exception),
        ClientResultException result => Network(provider, result.InnerException?.Message ?? result.Message, exception),
        AnthropicApiException api => FromStatus(
            (int)api.StatusCode, ErrorMessage(api.ResponseBody) ?? api.Message, retryAfter: null, provider, exception),
        AnthropicIOException io => Network(provider, io.InnerException?.Message ?? io.Message, exception),
        AnthropicSseException sse => new ProviderException(
            $"{provider} reported an error in the stream: {Redact(sse.Message)}", statusCode: null, isTransient: true, innerException: exception),
        AnthropicInvalidDataException or JsonException or FormatException => new ProviderException(
            $"{provider} sent a response that could not be read: {Redact(exception.Message)}", statusCode: null, isTransient: true, innerException: exception),
        HttpRequestException { StatusCode: { } status } http => FromStatus((int)status, http.Message, retryAfter: null, provider, exception),
        HttpRequestException or IOException => Network(provider, exception.Message, exception),
        TimeoutException or OperationCanceledException => new ProviderException(
            $"{provider} did not answer in time.", statusCode: null, isTransient: true, innerException: exception),
        _ when exception.InnerException is { } inner && inner is not AggregateException => Classify(inner, provider),
        _ => new ProviderException($"{provider} call failed: {Redact(exception.Message)}", statusCode: null, isTransient: false, innerException: exception),
    };

    /// <summary>Whether a provider's HTTP status is worth another attempt (here or at another deployment).</summary>
    public static bool IsTransientStatus(int status) =>
        status is 408 or 409 or 425 or 429 || status >= 500;

    /// <summary>An error answer read straight off the wire (status, Retry-After, the provider's error body).</summary>
    public static ProviderException FromResponse(int status, HttpResponseHeaders? headers, string? body, ProviderKind provider) =>
        FromStatus(status, ErrorMessage(body) ?? $"HTTP {status}", RetryAfterOf(headers), provider, innerException: null);

    internal static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? (date > now ? date - now : TimeSpan.Zero)
            : null;
    }

    /// <summary>Masks anything shaped like an API key (OpenAI's 401 message echoes part of the key).</summary>
    internal static string Redact(string message) => KeyPattern().Replace(message, "[redacted]");

    private static ProviderException FromStatus(int status, string message, TimeSpan? retryAfter, ProviderKind provider, Exception? innerException) =>
        new($"{provider} answered {status}: {Redact(message)}", status, IsTransientStatus(status), retryAfter, innerException);

    private static ProviderException Network(ProviderKind provider, string detail, Exception innerException) =>
        new($"{provider} could not be reached or dropped the connection: {Redact(detail)}", statusCode: null, isTransient: true, innerException: innerException);

    private static string? ResponseBody(ClientResultException exception)
    {
        try
        {
            return exception.GetRawResponse()?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            // A streamed response's content is not buffered and cannot be read again.
            return null;
        }
    }

    private static TimeSpan? RetryAfterOf(ClientResultException exception)
    {
        var headers = exception.GetRawResponse()?.Headers;
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return headers.TryGetValue("Retry-After", out var value) ? ParseRetryAfter(value, DateTimeOffset.UtcNow) : null;
    }

    private static TimeSpan? RetryAfterOf(HttpResponseHeaders? headers) => headers?.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>OpenAI: <c>{"error":{"message":..}}</c>; Anthropic: <c>{"type":"error","error":{"type":..,"message":..}}</c>.</summary>
    private static string? ErrorMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString();
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString();
                }
            }

            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var top) && top.ValueKind == JsonValueKind.String
                ? top.GetString()
                : null;
        }
        catch (JsonException)
        {
            return body.Length > 300 ? body[..300] : body;
        }
    }

    [GeneratedRegex(@"\b(sk|key|rk|pk)-[A-Za-z0-9_\-\*]{6,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}

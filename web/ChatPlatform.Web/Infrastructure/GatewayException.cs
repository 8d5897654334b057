using System.Net;
using System.Text.Json;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// The gateway refused a request (its RFC 9457 problem details) or could not be reached (<see cref="Status"/> 0).
/// <see cref="Message"/> is a sentence fit to show the person.
/// </summary>
public sealed class GatewayException(
    int status, string message, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null, QuotaRefusal? quota = null)
    : Exception(message)
{
    /// <summary>The problem type a 429 carries when a quota, not the request rate, refused the call (docs/usage.md).</summary>
    public const string QuotaExceededType = "https://chatplatform.dev/problems/quota-exceeded";

    public int Status { get; } = status;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Set when a quota refused the request; a plain rate limit (429 without a quota) leaves it null.</summary>
    public QuotaRefusal? Quota { get; } = quota;

    public bool IsUnauthorized => Status == (int)HttpStatusCode.Unauthorized;

    /// <summary>The request never got an answer: no connection, or the resilience pipeline gave up (timeout, open circuit).</summary>
    public static bool IsTransportFailure(Exception exception) => exception is HttpRequestException or Polly.ExecutionRejectedException;

    public static GatewayException Unreachable() => new(0, "The service cannot be reached. Check your connection and try again.");

    public static async Task<GatewayException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? detail = null;
        string? title = null;
        Dictionary<string, string[]>? errors = null;
        QuotaRefusal? quota = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (body.Length > 0)
            {
                using var problem = JsonDocument.Parse(body);
                var root = problem.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    detail = ReadString(root, "detail");
                    title = ReadString(root, "title");
                    if (root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
                    {
                        errors = fields.EnumerateObject().ToDictionary(
                            f => f.Name,
                            f => f.Value.ValueKind == JsonValueKind.Array ? f.Value.EnumerateArray().Select(e => e.ToString()).ToArray() : [f.Value.ToString()],
                            StringComparer.OrdinalIgnoreCase);
                    }
                    quota = status == 429 ? QuotaRefusal.From(root) : null;
                    if (detail is null && root.TryGetProperty("error", out var openAiError) && openAiError.ValueKind == JsonValueKind.Object)
                    {
                        detail = ReadString(openAiError, "message");
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, say): the status alone tells what happened.
        }
        var message = detail ?? (errors is { Count: > 0 } ? string.Join(" ", errors.Values.SelectMany(e => e)) : null) ?? DefaultMessage(status, title);
        return new GatewayException(status, message, errors, response.Headers.RetryAfter?.Delta, quota);
    }

    private static string DefaultMessage(int status, string? title) => status switch
    {
        401 => "Your session has ended. Sign in again.",
        404 => "This was not found. It may have been deleted.",
        429 => "Too many requests. Wait a moment and try again.",
        >= 500 => "The service had a problem. Try again.",
        _ => title ?? $"The request failed ({status}).",
    };

    internal static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// A turn's refusal, shown at the end of the log; <paramref name="Retry"/> null when there is nothing to retry (a refused
/// message is back in the composer). One over a quota carries it (and no retry: it would be refused again until the
/// quota resets); a plain rate limit is an ordinary error.
/// </summary>
public sealed record TurnError(string Message, Func<Task>? Retry, QuotaRefusal? Quota = null, TimeSpan? RetryAfter = null)
{
    public static TurnError From(GatewayException e, Func<Task>? retry) =>
        e.Quota is { } quota ? new(e.Message, null, quota, e.RetryAfter) : new(e.Message, retry);
}

using ChatPlatform.Gateway.Services;
using ChatPlatform.Redis;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Access tokens of revoked sessions, refused until they would have expired anyway. Every access token carries its
/// session (<c>sid</c>: the refresh-token family it was issued from), so revoking a family denies the current token
/// and every other token it issued with one Redis key, kept for one access-token lifetime; no token id is recorded.
/// Checked on every request with an access token. With Redis unreachable the check is skipped (fail open, warned):
/// a revoked token then lives at most its remaining 15 minutes, as before, rather than the outage refusing everyone.
/// Redis is reached through the process's <see cref="RedisBreaker"/>, so an outage costs no request a timeout.
/// </summary>
public sealed partial class AccessTokenDenyList(RedisBreaker redis, IOptions<AuthOptions> options, ILogger<AccessTokenDenyList> logger)
{
    // A revoked token may still be inside its lifetime plus the validator's clock skew.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public async Task DenySessionAsync(Guid sessionId)
    {
        try
        {
            await redis.RunAsync(r => r.GetDatabase().StringSetAsync(Key(sessionId.ToString("N")), 1, options.Value.AccessTokenLifetime + ClockSkew));
        }
        catch (RedisUnavailableException e)
        {
            LogDenyFailed(logger, e);
        }
    }

    public async Task<bool> IsDeniedAsync(string sessionId)
    {
        try
        {
            return await redis.RunAsync(r => r.GetDatabase().KeyExistsAsync(Key(sessionId)));
        }
        catch (RedisUnavailableException e)
        {
            LogCheckSkipped(logger, e);
            return false;
        }
    }

    /// <summary>The JWT handler's hook: a token of a revoked session fails authentication (401).</summary>
    public static async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        if (context.Principal?.FindFirst(GatewayClaims.Session)?.Value is { Length: > 0 } session
            && await context.HttpContext.RequestServices.GetRequiredService<AccessTokenDenyList>().IsDeniedAsync(session))
        {
            context.Fail("The session was signed out.");
        }
    }

    private static RedisKey Key(string sessionId) => $"gateway:denied-session:{sessionId}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: revoked access tokens are not checked until it is back (failing open)")]
    private static partial void LogCheckSkipped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: a revoked session's access tokens stay valid until they expire")]
    private static partial void LogDenyFailed(ILogger logger, Exception exception);
}

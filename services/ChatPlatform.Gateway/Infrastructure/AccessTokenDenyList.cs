using ChatPlatform.Gateway.Services;
using ChatPlatform.Redis;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Access tokens that must stop working before they expire: those of revoked sessions, and every token of a disabled
/// user. Every access token carries its session (<c>sid</c>: the refresh-token family it was issued from), so revoking a
/// family denies the current token and every other token it issued with one Redis key; disabling a user adds one key
/// for the user, which also covers a token issued in a race with the disabling. Keys live one access-token lifetime: by
/// then every token they deny has expired, and a disabled user can get no new one (sign-in, refresh, external tokens
/// and API keys read the account in PostgreSQL). Checked on every request with an access token, in one Redis round
/// trip. With Redis unreachable the same question goes to PostgreSQL (is the user disabled, is the family revoked),
/// warned once per check; Redis is reached through the process's <see cref="RedisBreaker"/>, so an outage costs no
/// request a timeout.
/// </summary>
public sealed partial class AccessTokenDenyList(
    RedisBreaker redis, UserStore users, IOptions<AuthOptions> options, ILogger<AccessTokenDenyList> logger)
{
    // A revoked token may still be inside its lifetime plus the validator's clock skew.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>How long a token issued now may still be accepted: the window a session's families are looked back over.</summary>
    public TimeSpan TokenWindow => options.Value.AccessTokenLifetime + ClockSkew;

    public Task DenySessionAsync(Guid sessionId) => DenySessionsAsync([sessionId]);

    public async Task DenySessionsAsync(IReadOnlyCollection<Guid> sessionIds)
    {
        if (sessionIds.Count == 0)
        {
            return;
        }
        try
        {
            await redis.RunAsync(r =>
            {
                var database = r.GetDatabase();
                return Task.WhenAll(sessionIds.Select(id => database.StringSetAsync(SessionKey(id.ToString("N")), 1, TokenWindow)));
            });
        }
        catch (RedisUnavailableException e)
        {
            LogDenyFailed(logger, e);
        }
    }

    /// <summary>Refuses (or, when enabled again, stops refusing) every access token of the user.</summary>
    public async Task SetUserDisabledAsync(Guid userId, bool disabled)
    {
        try
        {
            await redis.RunAsync(r => disabled
                ? r.GetDatabase().StringSetAsync(UserKey(userId), 1, TokenWindow)
                : r.GetDatabase().KeyDeleteAsync(UserKey(userId)));
        }
        catch (RedisUnavailableException e)
        {
            LogDenyFailed(logger, e);
        }
    }

    public async Task<bool> IsDeniedAsync(Guid? userId, string? sessionId, CancellationToken cancellationToken)
    {
        if (userId is null && sessionId is null)
        {
            return false;
        }
        var keys = new List<RedisKey>(2);
        if (userId is { } user)
        {
            keys.Add(UserKey(user));
        }
        if (sessionId is not null)
        {
            keys.Add(SessionKey(sessionId));
        }
        try
        {
            return await redis.RunAsync(r => r.GetDatabase().KeyExistsAsync([.. keys])) > 0;
        }
        catch (RedisUnavailableException e)
        {
            LogCheckedInPostgres(logger, e);
            return userId is { } id && await users.IsSessionRefusedAsync(id, Guid.TryParseExact(sessionId, "N", out var family) ? family : null, cancellationToken);
        }
    }

    /// <summary>The JWT handler's hook: a token of a revoked session or a disabled user fails authentication (401).</summary>
    public static async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var session = principal?.FindFirst(GatewayClaims.Session)?.Value is { Length: > 0 } sid ? sid : null;
        if (principal is not null
            && await context.HttpContext.RequestServices.GetRequiredService<AccessTokenDenyList>()
                .IsDeniedAsync(principal.UserId(), session, context.HttpContext.RequestAborted))
        {
            context.Fail("The session was signed out.");
        }
    }

    private static RedisKey SessionKey(string sessionId) => $"gateway:denied-session:{sessionId}";

    private static RedisKey UserKey(Guid userId) => $"gateway:disabled-user:{userId:N}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: revoked access tokens are checked in PostgreSQL until it is back")]
    private static partial void LogCheckedInPostgres(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: a revoked session's access tokens are accepted until they expire once Redis is back")]
    private static partial void LogDenyFailed(ILogger logger, Exception exception);
}

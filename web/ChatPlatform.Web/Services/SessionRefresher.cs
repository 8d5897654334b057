using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Services;

/// <summary>Gives a session's current tokens, refreshing the access token through the gateway shortly before it expires.</summary>
public sealed partial class SessionRefresher(
    SessionTokenStore store, GatewayAuthClient auth, TimeProvider time, ILogger<SessionRefresher> logger)
{
    /// <summary>Refresh this long before expiry, so a token never expires between reading it and the gateway checking it.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);

    /// <summary>The tokens to use; null when the session has ended (the refresh token was refused).</summary>
    /// <exception cref="GatewayException">The gateway could not be reached to refresh.</exception>
    public async Task<SessionTokens?> CurrentAsync(string sessionId, SessionTokens fromCookie, CancellationToken cancellationToken)
    {
        var tokens = store.Find(sessionId) ?? fromCookie;
        if (!tokens.ExpiresWithin(RefreshMargin, time.GetUtcNow()))
        {
            return tokens;
        }
        var gate = store.LockFor(sessionId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            tokens = store.Find(sessionId) ?? fromCookie;
            if (!tokens.ExpiresWithin(RefreshMargin, time.GetUtcNow()))
            {
                return tokens;
            }
            var refreshed = SessionTokens.From(await auth.RefreshAsync(tokens.RefreshToken, cancellationToken), time.GetUtcNow());
            store.Save(sessionId, refreshed);
            LogRefreshed(logger);
            return refreshed;
        }
        catch (GatewayException e) when (e.Status is 400 or 401)
        {
            store.Remove(sessionId);
            LogSessionEnded(logger, e.Status);
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refreshed a session's access token")]
    private static partial void LogRefreshed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "A session ended: the gateway refused its refresh token ({Status})")]
    private static partial void LogSessionEnded(ILogger logger, int status);
}

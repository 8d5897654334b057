using System.Collections.Concurrent;
using System.Security.Claims;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Services;

/// <summary>A signed-in session's gateway tokens. They live in the data-protected, HttpOnly cookie and on this server only.</summary>
public sealed record SessionTokens(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt)
{
    public const string SessionIdClaim = "sid";
    public const string AccessTokenClaim = "gateway_access_token";
    public const string RefreshTokenClaim = "gateway_refresh_token";
    public const string ExpiresAtClaim = "gateway_expires_at";

    public static SessionTokens From(AuthTokens tokens, DateTimeOffset now) =>
        new(tokens.AccessToken, tokens.RefreshToken, now.AddSeconds(tokens.ExpiresIn));

    public static SessionTokens? FromPrincipal(ClaimsPrincipal principal) =>
        principal.FindFirst(AccessTokenClaim)?.Value is { } access
        && principal.FindFirst(RefreshTokenClaim)?.Value is { } refresh
        && long.TryParse(principal.FindFirst(ExpiresAtClaim)?.Value, out var expires)
            ? new SessionTokens(access, refresh, DateTimeOffset.FromUnixTimeSeconds(expires))
            : null;

    public bool ExpiresWithin(TimeSpan margin, DateTimeOffset now) => ExpiresAt - margin <= now;

    /// <summary>The cookie's principal: who the person is (for the UI) and, server-side only, the tokens.</summary>
    public ClaimsPrincipal ToPrincipal(string sessionId, UserInfo user, string authenticationType) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.Email),
                new Claim(ClaimTypes.Email, user.Email),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(SessionIdClaim, sessionId),
                .. Claims(),
            ],
            authenticationType));

    public ClaimsPrincipal WithTokensOf(ClaimsPrincipal principal, string authenticationType)
    {
        var kept = principal.Claims.Where(c => c.Type is not (AccessTokenClaim or RefreshTokenClaim or ExpiresAtClaim));
        return new ClaimsPrincipal(new ClaimsIdentity([.. kept.Select(c => new Claim(c.Type, c.Value)), .. Claims()], authenticationType));
    }

    private IEnumerable<Claim> Claims() =>
    [
        new(AccessTokenClaim, AccessToken),
        new(RefreshTokenClaim, RefreshToken),
        new(ExpiresAtClaim, ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}

/// <summary>
/// The newest tokens of each session on this server. A circuit that refreshes an expiring access token cannot rewrite
/// the cookie, and refresh tokens rotate (reusing a spent one revokes the family), so the next request of the same
/// session takes the newest tokens from here and the cookie is renewed with them.
/// </summary>
public sealed class SessionTokenStore(TimeProvider time)
{
    /// <summary>A session unused this long is gone: its cookie (sliding, 30 days) and refresh token have expired.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    public SessionTokens? Find(string sessionId) => _sessions.TryGetValue(sessionId, out var entry) ? entry.Tokens : null;

    public void Save(string sessionId, SessionTokens tokens)
    {
        _sessions.GetOrAdd(sessionId, _ => new Entry()).Tokens = tokens;
        ForgetExpired();
    }

    public void Remove(string sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <summary>One refresh at a time per session: two concurrent refreshes with one token would revoke the session.</summary>
    public SemaphoreSlim LockFor(string sessionId) => _sessions.GetOrAdd(sessionId, _ => new Entry()).Lock;

    public int Count => _sessions.Count;

    // Refreshes happen about once per session every quarter of an hour, so sweeping on each is cheap and keeps the store small.
    private void ForgetExpired()
    {
        var cutoff = time.GetUtcNow() - SessionLifetime;
        foreach (var (id, entry) in _sessions)
        {
            if (entry.Tokens is { } tokens && tokens.ExpiresAt < cutoff)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public volatile SessionTokens? Tokens;
    }
}

using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

/// <summary>The user's own sessions: list them, sign one out, sign out all but the one asking.</summary>
public sealed class AccountSessions(SessionStore store, AccessTokenDenyList denyList)
{
    public async Task<IReadOnlyList<SessionInfo>> ListAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var current = CurrentSession(principal);
        var sessions = await store.ListLiveAsync(principal.UserId()!.Value, cancellationToken);
        return [.. sessions.Select(s => new SessionInfo(
            s.Id, DeviceName.From(s.UserAgent), s.UserAgent, s.Address, s.CreatedAt, s.LastSeenAt, s.Id == current))];
    }

    /// <summary>Signs out one of the user's sessions (the current one too); false when it is not theirs or not live.</summary>
    public async Task<bool> RevokeAsync(ClaimsPrincipal principal, Guid sessionId, CancellationToken cancellationToken)
    {
        if (!await store.RevokeAsync(principal.UserId()!.Value, sessionId, cancellationToken))
        {
            return false;
        }
        await denyList.DenySessionAsync(sessionId);
        return true;
    }

    /// <summary>Signs out every session but the one asking; how many.</summary>
    public async Task<int> RevokeOthersAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeOthersAsync(principal.UserId()!.Value, CurrentSession(principal) ?? Guid.Empty, cancellationToken);
        await denyList.DenySessionsAsync(revoked);
        return revoked.Count;
    }

    private static Guid? CurrentSession(ClaimsPrincipal principal) =>
        Guid.TryParseExact(principal.FindFirstValue(GatewayClaims.Session), "N", out var id) ? id : null;
}

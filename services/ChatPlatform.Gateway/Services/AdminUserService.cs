using ChatPlatform.Audit;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The admin console's account changes: the change and its audit row in PostgreSQL, then the access tokens that still
/// carry the old state denied in Redis. Disabling an account, or changing its role or tier (which its access tokens
/// carry), signs it out of every session: refresh tokens revoked with the change, access tokens denied at once. API keys
/// read the account on every use, so they follow a new role or tier at once and stop while it is disabled.
/// </summary>
public sealed class AdminUserService(AdminUserStore store, AccessTokenDenyList denyList)
{
    public async Task<AdminUserChange> UpdateAsync(AdminActor actor, Guid id, UpdateUserRequest change, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(actor, id, change, denyList.TokenWindow, cancellationToken);
        if (result is { Outcome: AdminUserOutcome.Updated, Before: { } before, After: { } after })
        {
            if (after.IsDisabled != before.IsDisabled)
            {
                await denyList.SetUserDisabledAsync(id, after.IsDisabled);
            }
            await denyList.DenySessionsAsync(result.Sessions ?? []);
        }
        return result;
    }

    public async Task<AdminUserChange> RevokeSessionsAsync(AdminActor actor, Guid id, CancellationToken cancellationToken)
    {
        var result = await store.RevokeSessionsAsync(actor, id, denyList.TokenWindow, cancellationToken);
        if (result.Outcome == AdminUserOutcome.Updated)
        {
            await denyList.DenySessionsAsync(result.Sessions ?? []);
        }
        return result;
    }
}

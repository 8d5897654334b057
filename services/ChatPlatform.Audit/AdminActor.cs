using System.Security.Claims;
using ChatPlatform.Identity;

namespace ChatPlatform.Audit;

/// <summary>
/// Who made an admin change: the user id and, when the principal carries one, the email. The gateway's own principal
/// and an internal token use the same claim names, so both services read the actor the same way.
/// </summary>
public sealed record AdminActor(Guid? UserId, string? Email)
{
    public static AdminActor From(ClaimsPrincipal principal) =>
        new(principal.UserId(), principal.FindFirstValue(InternalClaims.Email));
}

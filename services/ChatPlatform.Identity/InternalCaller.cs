using System.Security.Claims;

namespace ChatPlatform.Identity;

/// <summary>Who an internal call acts for: a user (role user or admin) or a service, on its own or for a user.</summary>
public sealed record InternalCaller(Guid? UserId, string Role, string? Tier = null, string? Email = null)
{
    /// <summary>A service acting for <paramref name="userId"/>, or for nobody (background work).</summary>
    public static InternalCaller Service(Guid? userId = null) => new(userId, InternalRoles.Service);

    /// <summary>The caller an edge service has authenticated, from the same claim names internal tokens carry.</summary>
    public static InternalCaller? From(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(InternalClaims.Subject), out var id) && principal.FindFirstValue(InternalClaims.Role) is { Length: > 0 } role
            ? new InternalCaller(id, role, principal.FindFirstValue(InternalClaims.Tier), principal.FindFirstValue(InternalClaims.Email))
            : null;
}

public static class InternalRoles
{
    public const string User = "user";
    public const string Admin = "admin";
    public const string Service = "service";
}

public static class InternalClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Tier = "tier";
    public const string Email = "email";

    /// <summary>The user the validated principal is, or acts for.</summary>
    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParseExact(principal.FindFirstValue(Subject), "D", out var id) && id != Guid.Empty ? id : null;
}

namespace ChatPlatform.Gateway.Model;

/// <param name="DisabledAt">Set by an admin: the account can neither sign in nor use its sessions or keys.</param>
public sealed record User(
    Guid Id, string Email, string PasswordHash, string Role, string Tier, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt = null)
{
    public bool IsDisabled => DisabledAt is not null;

    public UserInfo ToInfo() => new(Id, Email, Role, Tier);
}

public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";
}

public static class Tiers
{
    public const string Free = "free";
    public const string Pro = "pro";

    /// <summary>The tiers <c>identity.users.tier</c> accepts.</summary>
    public static readonly string[] All = [Free, Pro];
}

/// <summary>What the API shows of a user: never the password hash.</summary>
public sealed record UserInfo(Guid Id, string Email, string Role, string Tier);

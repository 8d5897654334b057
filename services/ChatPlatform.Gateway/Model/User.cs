namespace ChatPlatform.Gateway.Model;

public sealed record User(Guid Id, string Email, string PasswordHash, string Role, string Tier, DateTimeOffset CreatedAt)
{
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
}

/// <summary>What the API shows of a user: never the password hash.</summary>
public sealed record UserInfo(Guid Id, string Email, string Role, string Tier);

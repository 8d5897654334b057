namespace ChatPlatform.Gateway.Model;

public sealed record CreateApiKeyRequest(string? Name);

/// <summary>Returned once, at creation: the only time the full key leaves the server.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);

public sealed record ApiKeySummary(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

public sealed record ApiKeyOwner(Guid KeyId, User User);

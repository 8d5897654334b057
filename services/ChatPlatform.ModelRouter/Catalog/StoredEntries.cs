using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>Where a catalog row came from: start-up seeding retires stale default and configuration rows, never admin ones.</summary>
public enum CatalogEntrySource
{
    Default,
    Configuration,
    Admin,
}

public sealed record StoredModel(
    ModelDefinition Definition, CatalogEntrySource Source, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record StoredDeployment(
    DeploymentDefinition Definition, CatalogEntrySource Source, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>The outcome of a create-or-replace: whether the row is new, and the row as stored.</summary>
public sealed record Upserted<T>(T Entry, bool Created);

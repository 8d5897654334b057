namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>A resource others reach through <c>ConnectionStrings__{Name}</c>.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>Null until the resource is prepared (or, for a local PostgreSQL, started).</summary>
    string? ConnectionString { get; }

    /// <summary>True when <c>ConnectionStrings:{Name}</c> in the host's configuration points at a server that already runs.</summary>
    bool IsExisting { get; }
}

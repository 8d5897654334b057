using ChatPlatform.AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>The blob store's folder: <c>&lt;data&gt;/{name}</c>, or the folder <c>ConnectionStrings:{name}</c> names.</summary>
public sealed class BlobFolderResource(string name) : Resource(name), IResourceWithConnectionString
{
    public override string Type => "blob-folder";

    public string? FolderPath { get; private set; }

    public bool IsExisting { get; private set; }

    /// <summary>In the contract's format, the folder's absolute path.</summary>
    public string? ConnectionString => FolderPath;

    internal override void Prepare(HostContext context)
    {
        var given = context.Configuration.GetConnectionString(Name);
        IsExisting = !string.IsNullOrEmpty(given);
        FolderPath = Path.GetFullPath(IsExisting ? given! : Path.Combine(context.DataDirectory, Name));
    }

    internal override Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(FolderPath!);
        return Task.CompletedTask;
    }

    internal override Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken) =>
        Task.FromResult(Directory.Exists(FolderPath)
            ? ResourceHealthResult.Healthy(FolderPath)
            : ResourceHealthResult.Unhealthy($"{FolderPath} does not exist"));

    internal override Task StopAsync(HostContext context) => Task.CompletedTask;
}

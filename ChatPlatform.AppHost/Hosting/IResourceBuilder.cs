using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>A resource being declared; the <c>With*</c>/<c>WaitFor</c> extensions chain on it, as in Aspire.</summary>
public interface IResourceBuilder<out T>
    where T : Resource
{
    T Resource { get; }

    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, DistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T>
    where T : Resource
{
    public T Resource { get; } = resource;

    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}

using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>How resources relate: what one receives (<see cref="WithReference{T}"/>) and what it waits for (<see cref="WaitFor{T}"/>).</summary>
public static class DependencyBuilderExtensions
{
    /// <summary>
    /// Gives the process <c>ConnectionStrings__{name}</c> for a store, or <c>services__{name}__http__0</c> for another
    /// process, which then starts no earlier than <paramref name="source"/> runs (not necessarily healthy: use WaitFor).
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> source)
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        if (source.Resource is not (IResourceWithConnectionString or ExecutableResource { HttpEndpoints.Count: > 0 }))
        {
            throw new ArgumentException($"'{source.Resource.Name}' has neither a connection string nor an HTTP endpoint to pass on.", nameof(source));
        }
        builder.Resource.AddReference(source.Resource);
        return builder;
    }

    /// <summary>Starts the resource only once <paramref name="dependency"/> is healthy; if it fails instead, this one fails too.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dependency);
        builder.Resource.AddWaitFor(dependency.Resource);
        return builder;
    }
}

namespace ChatPlatform.AppHost.Hosting.Resources;

public enum ResourceState
{
    NotStarted,
    /// <summary>Waiting for the resources it depends on.</summary>
    Waiting,
    Starting,
    Running,
    Stopping,
    /// <summary>Stopped by the host.</summary>
    Stopped,
    /// <summary>Its process ended on its own with code 0.</summary>
    Exited,
    /// <summary>It could not start, its process ended on its own with a non-zero code, or a dependency failed.</summary>
    Failed,
}

public enum ResourceHealth
{
    Unknown,
    Healthy,
    Unhealthy,
}

public static class ResourceStateExtensions
{
    /// <summary>A state the resource will not leave by itself: nothing restarts it.</summary>
    public static bool IsTerminal(this ResourceState state) =>
        state is ResourceState.Stopped or ResourceState.Exited or ResourceState.Failed;
}

/// <summary>One health check's outcome.</summary>
public sealed record ResourceHealthResult(ResourceHealth Health, string? Description = null)
{
    public static ResourceHealthResult Healthy(string? description = null) => new(ResourceHealth.Healthy, description);

    public static ResourceHealthResult Unhealthy(string description) => new(ResourceHealth.Unhealthy, description);
}

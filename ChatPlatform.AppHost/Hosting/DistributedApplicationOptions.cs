namespace ChatPlatform.AppHost.Hosting;

/// <summary>How the host runs the model: the defaults are a developer's run; tests use <see cref="ForTesting"/>.</summary>
public sealed record DistributedApplicationOptions
{
    /// <summary>Data folder; when null, <c>AppHost:DataDirectory</c> from configuration, else <c>&lt;repo root&gt;/.data</c>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>External endpoints and the dashboard take their preferred port when it is free; tests turn this off.</summary>
    public bool UseStablePorts { get; init; } = true;

    /// <summary>Echo every resource's output to the console, prefixed with its name.</summary>
    public bool EchoToConsole { get; init; } = true;

    /// <summary>False for throw-away data (tests): PostgreSQL without fsync, Redis without snapshots.</summary>
    public bool DurableStorage { get; init; } = true;

    /// <summary>Delete the data folder when the application is disposed (tests' temporary folders).</summary>
    public bool DeleteDataDirectoryOnDispose { get; init; }

    /// <summary>How often a healthy resource is checked; one that is not healthy yet is checked more often.</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a process gets after SIGTERM before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    public bool EnableDashboard { get; init; } = true;

    /// <summary>The dashboard's port when stable ports are used (overridden by <c>AppHost:DashboardPort</c>).</summary>
    public int DashboardPort { get; init; } = 18888;

    /// <summary>A fresh temporary data folder, free ports everywhere, quiet console, fast throw-away storage.</summary>
    public static DistributedApplicationOptions ForTesting() => new()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "chatplatform-apphost-tests", Guid.NewGuid().ToString("N")),
        UseStablePorts = false,
        EchoToConsole = false,
        DurableStorage = false,
        DeleteDataDirectoryOnDispose = true,
    };
}

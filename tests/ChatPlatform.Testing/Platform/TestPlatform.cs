using System.Collections.Concurrent;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Testing.Platform;

/// <summary>
/// The whole platform from its AppHost through Aspire.Hosting.Testing, on a temporary data folder and random ports,
/// started once and shared (a start and stop costs about 20 s).
/// </summary>
public sealed class TestPlatform : IAsyncDisposable
{
    // The services start one after another (web waits for the gateway, which waits for chat, ingestion and billing,
    // which waits for the router): with two platforms and a browser suite on two cores, 180 s was not always enough.
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(300);

    private readonly bool _keepDataDirectory;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _healthyAt = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ResourceLogTails _logTails;

    private TestPlatform(DistributedApplication app, string dataDirectory, bool keepDataDirectory = false)
    {
        App = app;
        DataDirectory = dataDirectory;
        _keepDataDirectory = keepDataDirectory;
        _logTails = new ResourceLogTails(app, _stopping.Token);
    }

    public DistributedApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>When each resource was first reported healthy during the start (UTC).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> HealthyAt => _healthyAt;

    /// <summary>Starts the AppHost <typeparamref name="TAppHost"/> and waits until every resource is healthy.</summary>
    public static Task<TestPlatform> StartAsync<TAppHost>(CancellationToken cancellationToken, params string[] args)
        where TAppHost : class =>
        StartAsync<TAppHost>(TestDirectories.Create("platform"), keepDataDirectory: false, cancellationToken, args);

    /// <summary>
    /// As <see cref="StartAsync{TAppHost}(CancellationToken, string[])"/>, on the data folder <paramref name="dataDirectory"/>
    /// (existing data is reused: a second start on it is a warm start), deleted on dispose unless <paramref name="keepDataDirectory"/>.
    /// </summary>
    public static async Task<TestPlatform> StartAsync<TAppHost>(
        string dataDirectory, bool keepDataDirectory, CancellationToken cancellationToken, params string[] args)
        where TAppHost : class
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<TAppHost>(
            [$"--DataDirectory={dataDirectory}", .. args], cancellationToken);
        var app = await builder.BuildAsync(cancellationToken);
        var platform = new TestPlatform(app, dataDirectory, keepDataDirectory);
        _ = platform.RecordHealthyAtAsync();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await platform.StartUntilHealthyAsync(timeout.Token);
            return platform;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var states = platform.DescribeResources();
            await platform.DisposeAsync();
            throw new TimeoutException($"The platform was not healthy within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{states}");
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>The resources that run and show: neither parameters, nor connection strings the host was given, nor hidden ones.</summary>
    public IEnumerable<IResource> Resources => App.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .Where(r => r is not ParameterResource and not ConnectionStringResource
            && !(App.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(r.Name, out var e) && e.Snapshot.IsHidden));

    public Uri Endpoint(string resource, string endpoint = "http") => App.GetEndpoint(resource, endpoint);

    /// <summary>The last lines <paramref name="resource"/> printed, indented, for a failure's message.</summary>
    public string LastLinesOf(string resource) => _logTails.Of(resource);

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>The process id of a running project or executable, as the host reports it.</summary>
    public int ProcessId(string resource) =>
        App.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource, out var e)
        && e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
            ? Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"{resource} reports no process id.");

    public HttpClient CreateHttpClient(string resource, string endpoint = "http") =>
        new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Endpoint(resource, endpoint) };

    /// <summary>The last state the host published for each resource, a line each.</summary>
    public string DescribeResources()
    {
        var text = new StringBuilder();
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var resource in Resources)
        {
            var state = notifications.TryGetCurrentState(resource.Name, out var e) ? e.Snapshot : null;
            text.AppendLine($"  {resource.Name}: {state?.State?.Text ?? "unknown"}, health {state?.HealthStatus?.ToString() ?? "unknown"}, exit code {state?.ExitCode?.ToString() ?? "-"}");
        }
        return text.ToString();
    }

    /// <summary>
    /// Starts the host and waits until every resource is healthy. A resource that stops first fails the start at once
    /// with every resource's state and exit code: the host's own start waits on dependencies, so the watch runs beside
    /// it from the beginning.
    /// </summary>
    private async Task StartUntilHealthyAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stopped = FirstStoppedAsync(stop.Token);
        var started = StartThenWaitHealthyAsync(stop.Token);
        if (await Task.WhenAny(started, stopped) == stopped && stopped.IsCompletedSuccessfully)
        {
            var name = stopped.Result;
            await stop.CancelAsync();
            // Its last output (the exception that ended it) streams in just after its state changes.
            await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            throw new InvalidOperationException(
                $"{name} stopped while the platform started:{Environment.NewLine}{DescribeResources()}"
                + $"  the last lines {name} printed:{Environment.NewLine}{_logTails.Of(name)}");
        }
        await stop.CancelAsync();
        await started;
    }

    private async Task StartThenWaitHealthyAsync(CancellationToken cancellationToken)
    {
        await App.StartAsync(cancellationToken);
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        await Task.WhenAll(Resources.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, cancellationToken)));
    }

    /// <summary>The name of the first shown resource to reach a terminal state (exited, finished, failed to start).</summary>
    private async Task<string> FirstStoppedAsync(CancellationToken cancellationToken)
    {
        await foreach (var e in App.Services.GetRequiredService<ResourceNotificationService>().WatchAsync(cancellationToken))
        {
            if (!e.Snapshot.IsHidden && KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text))
            {
                return e.Resource.Name;
            }
        }
        throw new OperationCanceledException(cancellationToken);
    }

    private async Task RecordHealthyAtAsync()
    {
        try
        {
            await foreach (var e in App.Services.GetRequiredService<ResourceNotificationService>().WatchAsync())
            {
                if (e.Snapshot.HealthStatus == HealthStatus.Healthy)
                {
                    _healthyAt.TryAdd(e.Resource.Name, DateTimeOffset.UtcNow);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The host stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await App.DisposeAsync();
        _stopping.Dispose();
        if (_keepDataDirectory)
        {
            return;
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean from /tmp; never fail a run over it.
        }
    }
}

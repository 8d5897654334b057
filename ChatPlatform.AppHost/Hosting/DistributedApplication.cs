using System.Diagnostics;
using System.Globalization;
using ChatPlatform.AppHost.Hosting.Dashboard;
using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Orchestration;
using ChatPlatform.AppHost.Hosting.Resources;
using ChatPlatform.AppHost.Hosting.Testing;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>
/// The platform, built from its model: <see cref="Run"/> for a developer (Ctrl+C stops it), or
/// <see cref="StartAsync"/>, <see cref="WaitForAllHealthyAsync"/> and <see cref="DisposeAsync"/> for tests and tools.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly HostContext _context;
    private readonly ResourceOrchestrator _orchestrator;
    private readonly Stopwatch _sinceStart = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DataDirectoryLock? _dataLock;
    private DashboardServer? _dashboard;
    private Task? _stopping;
    private bool _started;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        Options = builder.Options;
        DataDirectory = builder.DataDirectory;
        var console = new ConsoleLog(Options.EchoToConsole, writeHostMessages: Options.EchoToConsole);
        _context = new HostContext(Options, DataDirectory, builder.Configuration, console);
        _orchestrator = new ResourceOrchestrator([.. builder.Resources], _context);
        console.Register(_orchestrator.Resources);
        foreach (var resource in _orchestrator.Resources)
        {
            resource.OnChanged = OnResourceChanged;
        }
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => CreateBuilder(args, options: null);

    /// <summary>Under <see cref="DistributedApplicationTestingBuilder"/>, the test's options win over <paramref name="options"/>.</summary>
    public static DistributedApplicationBuilder CreateBuilder(string[] args, DistributedApplicationOptions? options) =>
        new(args, EntryPointHook.Current?.Options ?? options ?? new DistributedApplicationOptions());

    public DistributedApplicationOptions Options { get; }

    public string DataDirectory { get; }

    /// <summary>In start order: every resource after what it depends on.</summary>
    public IReadOnlyList<Resource> Resources => _orchestrator.Resources;

    public Uri? DashboardUrl => _dashboard?.Url;

    /// <summary>How long the platform took from <see cref="StartAsync"/> until every resource was first healthy.</summary>
    public TimeSpan? TimeToAllHealthy { get; private set; }

    public Resource GetResource(string name) =>
        Resources.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"No resource '{name}'; the resources are {string.Join(", ", Resources.Select(r => r.Name))}.", nameof(name));

    public Uri GetEndpoint(string resourceName, string endpointName = "http") =>
        (GetResource(resourceName) as ExecutableResource)?.HttpEndpoints.FirstOrDefault(e => e.Name == endpointName)?.Url
        ?? throw new InvalidOperationException($"'{resourceName}' has no allocated endpoint '{endpointName}'.");

    public string? GetConnectionString(string resourceName) =>
        (GetResource(resourceName) as IResourceWithConnectionString)?.ConnectionString;

    /// <summary>
    /// Takes the data folder, stops what a killed host left running in it, allocates ports, checks that binaries and
    /// builds exist (throwing one line if not), serves the dashboard and starts resources in dependency order.
    /// Returns without waiting for health.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The application was already started.");
            }
            _started = true;
        }
        _sinceStart.Start();
        try
        {
            _dataLock = DataDirectoryLock.Acquire(DataDirectory);
            foreach (var stale in await ProcessRegistry.StopStaleAsync(DataDirectory, Options.StopGracePeriod, cancellationToken))
            {
                _context.Console.Info($"stopped {stale.Resource} (pid {stale.Pid}), left running by a host that did not stop");
            }
            _orchestrator.Prepare();
            if (Options.EnableDashboard)
            {
                var configured = int.TryParse(_context.Configuration["AppHost:DashboardPort"], CultureInfo.InvariantCulture, out var port) ? port : Options.DashboardPort;
                _dashboard = await DashboardServer.StartAsync(this, _context.Ports.Allocate(configured), cancellationToken);
            }
            _orchestrator.StartAll();
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>
    /// Completes when every resource is healthy; throws as soon as one has failed or exited (with its last lines),
    /// or a <see cref="TimeoutException"/> naming those still not healthy.
    /// </summary>
    public async Task WaitForAllHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!_started)
        {
            throw new InvalidOperationException("Start the application first.");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }
            if (Resources.All(r => r.Health == ResourceHealth.Healthy))
            {
                return;
            }
            if (Resources.FirstOrDefault(r => r.State.IsTerminal()) is { } ended)
            {
                throw new DistributedApplicationException(DescribeFailure(ended));
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var waiting = Resources.Where(r => r.Health != ResourceHealth.Healthy)
                    .Select(r => $"{r.Name} ({r.State}, {r.Health}: {r.Description})");
                throw new TimeoutException($"Not healthy after {timeout.TotalSeconds:0} s: {string.Join("; ", waiting)}.");
            }
        }
    }

    /// <summary>Completes with the first snapshot of <paramref name="resourceName"/> that satisfies <paramref name="condition"/>.</summary>
    public async Task<ResourceSnapshot> WaitForResourceAsync(
        string resourceName, Func<ResourceSnapshot, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var resource = GetResource(resourceName);
        while (true)
        {
            var changed = resource.WhenChanged;
            var snapshot = resource.GetSnapshot();
            if (condition(snapshot))
            {
                return snapshot;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops every resource, dependents first (SIGTERM, then SIGKILL after the grace period). Safe to call twice.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        await _orchestrator.StopAllAsync();
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
        _dataLock?.Dispose();
    }

    /// <summary>Runs until Ctrl+C, SIGTERM or <paramref name="cancellationToken"/>; on a start-up error prints one line and sets exit code 1.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = new ShutdownSignals(shutdown, _context.Console);
        try
        {
            await StartAsync(shutdown.Token);
        }
        catch (Exception e) when (e is DistributedApplicationException or MissingBinaryException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            Environment.ExitCode = 1;
            await DisposeAsync();
            return;
        }
        _context.Console.Info($"data in {DataDirectory}; dashboard at {DashboardUrl}");
        _ = ReportWhenHealthyAsync(shutdown.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await DisposeAsync();
        _context.Console.Info("stopped");
    }

    public void Run() => RunAsync().GetAwaiter().GetResult();

    private async Task ReportWhenHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForAllHealthyAsync(Timeout.InfiniteTimeSpan, cancellationToken);
            var width = Resources.Max(r => r.Name.Length);
            _context.Console.Info($"all {Resources.Count} resources are healthy, {TimeToAllHealthy?.TotalSeconds:0.0} s after start");
            if (DashboardUrl is not null)
            {
                _context.Console.Info($"  {"dashboard".PadRight(width)}  {DashboardUrl}");
            }
            foreach (var resource in Resources.OfType<ExecutableResource>().Where(r => r.HttpEndpoints.Any(e => e.IsExternal)).Reverse())
            {
                _context.Console.Info($"  {resource.Name.PadRight(width)}  {string.Join(' ', resource.Endpoints)}");
            }
        }
        catch (DistributedApplicationException e)
        {
            _context.Console.Error($"the platform is not fully up: {e.Message}");
            _context.Console.Error($"the dashboard at {DashboardUrl} shows every resource and its log");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnResourceChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (TimeToAllHealthy is null && _sinceStart.IsRunning && Resources.All(r => r.Health == ResourceHealth.Healthy))
            {
                TimeToAllHealthy = _sinceStart.Elapsed;
            }
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private static string DescribeFailure(Resource resource)
    {
        var exit = resource.ExitCode is { } code ? $" (exit code {code})" : "";
        var lines = resource.Log.Read(tail: 20).Select(l => "  " + l.Text);
        return $"'{resource.Name}' is {resource.State}{exit}: {resource.Description}"
            + (lines.Any() ? Environment.NewLine + string.Join(Environment.NewLine, lines) : "");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _context.Dispose();
        if (Options.DeleteDataDirectoryOnDispose)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temporary folder left behind must never fail a run.
            }
        }
    }
}

using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>
/// Starts every resource as soon as what it waits for is healthy (references only need to be running, for their
/// connection strings), checks health continuously, and stops dependents before what they depend on.
/// </summary>
internal sealed class ResourceOrchestrator(IReadOnlyList<Resource> resources, HostContext context)
{
    // A resource that has never been healthy is checked this often, so that start-up chains are not paced by the interval.
    private static readonly TimeSpan StartingHealthInterval = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];

    public IReadOnlyList<Resource> Resources { get; } = DependencyGraph.StartOrder(resources);

    /// <summary>Allocates ports and checks binaries and builds for all resources before any of them starts.</summary>
    public void Prepare()
    {
        foreach (var resource in Resources)
        {
            resource.Prepare(context);
        }
    }

    public void StartAll()
    {
        lock (_running)
        {
            foreach (var resource in Resources)
            {
                _running.Add(Task.Run(() => StartAndMonitorAsync(resource, _stopping.Token)));
            }
        }
    }

    private async Task StartAndMonitorAsync(Resource resource, CancellationToken cancellationToken)
    {
        try
        {
            if (!await WaitForDependenciesAsync(resource, cancellationToken))
            {
                return;
            }
            resource.SetState(ResourceState.Starting);
            await resource.StartAsync(context, cancellationToken);
            if (!resource.TrySetState(ResourceState.Starting, ResourceState.Running))
            {
                return; // it exited while starting; Track has said so
            }
            await MonitorHealthAsync(resource, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            resource.SetState(ResourceState.Failed, e.Message);
            context.Console.Error($"{resource.Name} failed to start: {e.Message}");
        }
    }

    private async Task<bool> WaitForDependenciesAsync(Resource resource, CancellationToken cancellationToken)
    {
        var mustBeHealthy = resource.WaitsFor.Concat(resource.ImplicitWaitsFor).Distinct().ToList();
        var mustBeRunning = resource.References.Except(mustBeHealthy).ToList();
        if (mustBeHealthy.Count + mustBeRunning.Count == 0)
        {
            return true;
        }
        resource.SetState(ResourceState.Waiting, $"waiting for {string.Join(", ", mustBeHealthy.Concat(mustBeRunning).Select(r => r.Name))}");
        foreach (var (dependency, healthy) in mustBeHealthy.Select(r => (r, true)).Concat(mustBeRunning.Select(r => (r, false))))
        {
            var ready = await WaitUntilAsync(
                dependency,
                r => healthy ? r.Health == ResourceHealth.Healthy : r.State == ResourceState.Running,
                cancellationToken);
            if (!ready)
            {
                resource.SetState(ResourceState.Failed, $"not started: '{dependency.Name}' is {dependency.State}");
                context.Console.Error($"{resource.Name} is not started because '{dependency.Name}' is {dependency.State}.");
                return false;
            }
        }
        return true;
    }

    /// <summary>True once <paramref name="condition"/> holds; false if the resource reaches a state it will not leave.</summary>
    private static async Task<bool> WaitUntilAsync(Resource resource, Func<Resource, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = resource.WhenChanged; // taken before the check, so that no change is missed
            if (condition(resource))
            {
                return true;
            }
            if (resource.State.IsTerminal())
            {
                return false;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    private async Task MonitorHealthAsync(Resource resource, CancellationToken cancellationToken)
    {
        var wasHealthy = false;
        while (resource.State == ResourceState.Running)
        {
            ResourceHealthResult result;
            try
            {
                result = await resource.CheckHealthAsync(context, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = ResourceHealthResult.Unhealthy(e.Message);
            }
            resource.SetHealth(result);
            var healthy = resource.Health == ResourceHealth.Healthy;
            if (healthy != wasHealthy && resource.State == ResourceState.Running)
            {
                if (healthy)
                {
                    context.Console.Info($"{resource.Name} is healthy");
                }
                else
                {
                    context.Console.Error($"{resource.Name} is unhealthy: {result.Description}");
                }
            }
            wasHealthy = healthy;
            await Task.Delay(resource.HealthyAt is null ? StartingHealthInterval : context.Options.HealthCheckInterval, cancellationToken);
        }
    }

    /// <summary>Stops everything: each resource once all that depend on it have stopped, independent ones in parallel.</summary>
    public async Task StopAllAsync()
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }
        await Task.WhenAll(running); // start-up and health loops end on cancellation

        var stopped = new Dictionary<Resource, Task>();
        foreach (var resource in DependencyGraph.StopOrder(Resources))
        {
            var dependents = DependencyGraph.DependentsOf(resource, Resources).Select(d => stopped[d]).ToArray();
            stopped[resource] = StopAfterAsync(resource, dependents);
        }
        await Task.WhenAll(stopped.Values);
    }

    private async Task StopAfterAsync(Resource resource, Task[] dependentsStopped)
    {
        await Task.WhenAll(dependentsStopped);
        if (resource.State is ResourceState.NotStarted or ResourceState.Waiting)
        {
            resource.SetState(ResourceState.NotStarted);
            return;
        }
        var wasRunning = resource.TrySetState(ResourceState.Running, ResourceState.Stopping)
            || resource.TrySetState(ResourceState.Starting, ResourceState.Stopping);
        try
        {
            await resource.StopAsync(context);
            if (resource.ProcessId is { } pid)
            {
                // Now, not in the exit continuation that may run later, after the data folder is gone.
                context.Processes.Forget(pid);
            }
        }
        catch (Exception e)
        {
            context.Console.Error($"{resource.Name} did not stop cleanly: {e.Message}");
        }
        if (wasRunning)
        {
            resource.SetState(ResourceState.Stopped);
        }
    }
}

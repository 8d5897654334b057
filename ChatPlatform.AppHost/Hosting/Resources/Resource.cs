using System.Text.RegularExpressions;
using ChatPlatform.AppHost.Hosting.Orchestration;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>
/// Something the host runs or provides: a server, a database, a folder, a process. The model part (name, what it
/// waits for and references) is declared by the builder; the lifecycle part is driven by <see cref="ResourceOrchestrator"/>.
/// </summary>
public abstract partial class Resource
{
    private readonly Lock _gate = new();
    private readonly List<Resource> _waitsFor = [];
    private readonly List<Resource> _references = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected Resource(string name)
    {
        if (!ResourceName().IsMatch(name))
        {
            throw new ArgumentException($"Resource name '{name}' must be kebab-case: lower-case letters, digits and '-'.", nameof(name));
        }
        Name = name;
    }

    public string Name { get; }

    /// <summary>"postgres", "database", "redis", "blob-folder", "executable" or "project".</summary>
    public abstract string Type { get; }

    public ResourceLog Log { get; } = new();

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public IReadOnlyList<Resource> WaitsFor => _waitsFor;

    /// <summary>Resources whose connection string or endpoints this one receives.</summary>
    public IReadOnlyList<Resource> References => _references;

    public ResourceState State { get; private set; }

    public ResourceHealth Health { get; private set; }

    /// <summary>Why it failed, what it waits for, or what its last health check said.</summary>
    public string? Description { get; private set; }

    public int? ExitCode { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? HealthyAt { get; private set; }

    public DateTimeOffset? StoppedAt { get; private set; }

    public virtual int? ProcessId => null;

    public virtual IReadOnlyList<Uri> Endpoints => [];

    /// <summary>Resources that must be healthy first whatever the model says (a database needs its server).</summary>
    internal virtual IEnumerable<Resource> ImplicitWaitsFor => [];

    /// <summary>Everything this one depends on: it starts after them and stops before them.</summary>
    internal IEnumerable<Resource> Dependencies => _waitsFor.Concat(_references).Concat(ImplicitWaitsFor).Distinct();

    /// <summary>Completes at the next change of state or health.</summary>
    internal Task WhenChanged
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Called on every change of state or health, for the application's own waiters.</summary>
    internal Action? OnChanged { get; set; }

    internal void AddWaitFor(Resource resource)
    {
        if (!_waitsFor.Contains(resource))
        {
            _waitsFor.Add(resource);
        }
    }

    internal void AddReference(Resource resource)
    {
        if (!_references.Contains(resource))
        {
            _references.Add(resource);
        }
    }

    internal void SetState(ResourceState state, string? description = null, int? exitCode = null) =>
        Update(() => ApplyState(state, description, exitCode));

    /// <summary>Moves to <paramref name="state"/> only from <paramref name="expected"/>: an exit that raced a start wins.</summary>
    internal bool TrySetState(ResourceState expected, ResourceState state, string? description = null, int? exitCode = null) =>
        Update(() => State == expected && ApplyState(state, description, exitCode));

    internal void SetHealth(ResourceHealthResult result)
    {
        Update(() =>
        {
            if (State != ResourceState.Running || (Health == result.Health && Description == result.Description))
            {
                return false;
            }
            Health = result.Health;
            Description = result.Description;
            if (result.Health == ResourceHealth.Healthy)
            {
                HealthyAt ??= DateTimeOffset.UtcNow;
            }
            return true;
        });
    }

    private bool ApplyState(ResourceState state, string? description, int? exitCode)
    {
        State = state;
        Description = description;
        ExitCode = exitCode ?? ExitCode;
        var now = DateTimeOffset.UtcNow;
        if (state == ResourceState.Running)
        {
            StartedAt = now;
        }
        if (state.IsTerminal())
        {
            StoppedAt ??= now;
            Health = ResourceHealth.Unknown;
        }
        return true;
    }

    // Changes under the lock, wakes waiters outside it.
    private bool Update(Func<bool> change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (!change())
            {
                return false;
            }
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        OnChanged?.Invoke();
        return true;
    }

    public ResourceSnapshot GetSnapshot()
    {
        lock (_gate)
        {
            return new ResourceSnapshot(
                Name, Type, State, Health, Description, ExitCode, ProcessId,
                [.. Endpoints.Select(e => e.ToString().TrimEnd('/'))],
                [.. WaitsFor.Select(r => r.Name)],
                [.. References.Select(r => r.Name)],
                StartedAt, HealthyAt, StoppedAt);
        }
    }

    /// <summary>Before anything starts: allocate ports, find binaries, read configuration. Throws to stop the whole run.</summary>
    internal virtual void Prepare(HostContext context)
    {
    }

    /// <summary>Starts it; returns once it runs (health is checked afterwards).</summary>
    internal abstract Task StartAsync(HostContext context, CancellationToken cancellationToken);

    internal abstract Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken);

    internal abstract Task StopAsync(HostContext context);

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex ResourceName();
}

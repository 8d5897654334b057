namespace ChatPlatform.AppHost.Hosting.Testing;

/// <summary>
/// Set on the thread that runs an AppHost's entry point for a test: <see cref="DistributedApplication.CreateBuilder(string[])"/>
/// takes the test's options from it, and <see cref="DistributedApplicationBuilder.Build"/> hands the application over and
/// ends the entry point (like HostFactoryResolver does for WebApplicationFactory) instead of letting it run.
/// </summary>
internal sealed class EntryPointHook(DistributedApplicationOptions options, Action<DistributedApplicationBuilder>? configure)
{
    private static readonly AsyncLocal<EntryPointHook?> CurrentHook = new();
    private readonly TaskCompletionSource<DistributedApplication> _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static EntryPointHook? Current
    {
        get => CurrentHook.Value;
        set => CurrentHook.Value = value;
    }

    public DistributedApplicationOptions Options { get; } = options;

    public Action<DistributedApplicationBuilder>? Configure { get; } = configure;

    public Task<DistributedApplication> Built => _built.Task;

    public void Capture(DistributedApplication application)
    {
        _built.TrySetResult(application);
        throw new EntryPointStoppedException();
    }

    public void Fail(Exception exception) => _built.TrySetException(exception);

    public void EntryPointReturned() =>
        _built.TrySetException(new InvalidOperationException("The entry point returned without calling DistributedApplicationBuilder.Build()."));
}

/// <summary>Unwinds the AppHost's entry point once its application has been captured.</summary>
internal sealed class EntryPointStoppedException : Exception;

using System.Reflection;

namespace ChatPlatform.AppHost.Hosting.Testing;

/// <summary>
/// Builds an AppHost's real model for a test, after Aspire.Hosting.Testing: its entry point runs on its own thread up
/// to <c>Build()</c>, with <see cref="DistributedApplicationOptions.ForTesting"/> (temporary data, free ports, quiet);
/// the test then starts it, waits for health, talks to it, and disposes it to stop everything.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static Task<DistributedApplication> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new()
        => CreateAsync<TEntryPoint>([], configure: null, options: null, cancellationToken);

    public static Task<DistributedApplication> CreateAsync<TEntryPoint>(string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new()
        => CreateAsync<TEntryPoint>(args, configure: null, options: null, cancellationToken);

    /// <param name="configure">Runs on the builder just before it is built: add, inspect or change resources.</param>
    /// <param name="options">Defaults to <see cref="DistributedApplicationOptions.ForTesting"/>.</param>
    public static async Task<DistributedApplication> CreateAsync<TEntryPoint>(
        string[] args,
        Action<DistributedApplicationBuilder>? configure,
        DistributedApplicationOptions? options = null,
        CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(args);
        var appHost = new TEntryPoint();
        // By name: the test references the AppHost, so this is the copy already loaded beside the test.
        var assembly = Assembly.Load(new AssemblyName(Path.GetFileNameWithoutExtension(appHost.TargetPath)));
        var entryPoint = assembly.EntryPoint
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no entry point.");
        var hook = new EntryPointHook(options ?? DistributedApplicationOptions.ForTesting(), configure);

        var thread = new Thread(() =>
        {
            EntryPointHook.Current = hook;
            try
            {
                entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
                hook.EntryPointReturned();
            }
            catch (TargetInvocationException e) when (e.InnerException is EntryPointStoppedException)
            {
            }
            catch (TargetInvocationException e)
            {
                hook.Fail(e.InnerException ?? e);
            }
        })
        {
            IsBackground = true,
            Name = $"{assembly.GetName().Name} entry point",
        };
        thread.Start();
        return await hook.Built.WaitAsync(cancellationToken);
    }
}

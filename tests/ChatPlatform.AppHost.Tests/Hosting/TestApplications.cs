namespace ChatPlatform.AppHost.Tests.Hosting;

/// <summary>Small app models for testing the host's own behaviour, on temporary data folders and free ports.</summary>
internal static class TestApplications
{
    public static DistributedApplicationBuilder CreateBuilder(params string[] args) =>
        DistributedApplication.CreateBuilder(args, DistributedApplicationOptions.ForTesting() with { EnableDashboard = false });

    /// <summary>On a given data folder, kept after the run (for tests of what happens across runs).</summary>
    public static DistributedApplicationBuilder CreateBuilderOn(string dataDirectory, params string[] args) =>
        DistributedApplication.CreateBuilder(args, DistributedApplicationOptions.ForTesting() with
        {
            EnableDashboard = false,
            DataDirectory = dataDirectory,
            DeleteDataDirectoryOnDispose = false,
        });

    /// <summary>A process that runs until it is stopped.</summary>
    public static IResourceBuilder<ExecutableResource> AddSleeper(this DistributedApplicationBuilder builder, string name) =>
        builder.AddExecutable(name, "sleep", Path.GetTempPath(), "600");

}

/// <summary>A data folder shared by several runs in one test, deleted at its end.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chatplatform-apphost-tests", Guid.NewGuid().ToString("N"));

    public TemporaryDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temporary-file cleanup.
        }
    }
}

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

    public static string TemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "chatplatform-apphost-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

namespace ChatPlatform.AppHost.Tests.Hosting;

/// <summary>What cannot run is said in one line before anything starts.</summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task A_project_that_is_not_built_stops_the_start_with_a_build_hint()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        var redis = builder.AddRedis("redis");
        builder.AddProject("ghost", new UnbuiltProject()).WithReference(redis);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(ct));

        Assert.Contains("'ghost' is not built", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet build", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, error.Message, StringComparison.Ordinal);
        Assert.All(app.Resources, r => Assert.Null(r.ProcessId));
    }

    [Fact]
    public async Task A_program_missing_from_path_stops_the_start_naming_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        builder.AddExecutable("tool", "no-such-program-anywhere", Path.GetTempPath());
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(ct));

        Assert.Equal("'tool': 'no-such-program-anywhere' was not found on PATH.", error.Message);
    }

    private sealed class UnbuiltProject : IProjectMetadata
    {
        public string ProjectPath => Path.Combine(Path.GetTempPath(), "Ghost", "Ghost.csproj");

        public string TargetPath => Path.Combine(Path.GetTempPath(), "Ghost", "bin", "Ghost.dll");
    }
}

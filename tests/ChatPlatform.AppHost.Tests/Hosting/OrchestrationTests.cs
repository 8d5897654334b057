namespace ChatPlatform.AppHost.Tests.Hosting;

public sealed class OrchestrationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_resource_starts_only_after_what_it_waits_for_is_healthy_and_stops_before_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        var first = builder.AddSleeper("first");
        var second = builder.AddSleeper("second").WaitFor(first);
        var third = builder.AddSleeper("third").WaitFor(second);
        await using var app = builder.Build();

        await app.StartAsync(ct);
        await app.WaitForAllHealthyAsync(Timeout, ct);
        await app.StopAsync();

        Assert.True(second.Resource.StartedAt >= first.Resource.HealthyAt);
        Assert.True(third.Resource.StartedAt >= second.Resource.HealthyAt);
        Assert.True(third.Resource.StoppedAt <= second.Resource.StoppedAt);
        Assert.True(second.Resource.StoppedAt <= first.Resource.StoppedAt);
        Assert.All(app.Resources, r => Assert.Equal(ResourceState.Stopped, r.State));
    }

    [Fact]
    public async Task A_process_that_exits_on_its_own_is_reported_failed_with_its_exit_code_and_not_restarted()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        builder.AddExecutable("quitter", "sh", Path.GetTempPath(), "-c", "echo giving up; exit 3");
        await using var app = builder.Build();

        await app.StartAsync(ct);
        var ended = await app.WaitForResourceAsync("quitter", r => r.State.IsTerminal(), ct).WaitAsync(Timeout, ct);

        Assert.Equal(ResourceState.Failed, ended.State);
        Assert.Equal(3, ended.ExitCode);
        Assert.Contains("exited unexpectedly with code 3", ended.Description, StringComparison.Ordinal);
        Assert.True(app.GetResource("quitter").Log.Contains("giving up"));
        Assert.DoesNotContain(ChatPlatform.AppHost.Hosting.Local.ProcessRegistry.Read(app.DataDirectory), p => p.Resource == "quitter");
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.WaitForAllHealthyAsync(Timeout, ct));
        Assert.Contains("'quitter' is Failed (exit code 3)", failure.Message, StringComparison.Ordinal);
        Assert.Equal(ended.ProcessId, app.GetResource("quitter").ProcessId);
    }

    [Fact]
    public async Task A_process_that_ends_with_code_zero_is_reported_exited()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        builder.AddExecutable("one-shot", "true", Path.GetTempPath());
        await using var app = builder.Build();

        await app.StartAsync(ct);
        var ended = await app.WaitForResourceAsync("one-shot", r => r.State.IsTerminal(), ct).WaitAsync(Timeout, ct);

        Assert.Equal(ResourceState.Exited, ended.State);
        Assert.Equal(0, ended.ExitCode);
    }

    [Fact]
    public async Task A_resource_waiting_for_one_that_fails_is_not_started_and_says_why()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        // Its health endpoint never answers, so it fails without ever having been healthy.
        var broken = builder.AddExecutable("broken", "sh", Path.GetTempPath(), "-c", "exit 1").WithHttpHealthCheck();
        builder.AddSleeper("dependent").WaitFor(broken);
        await using var app = builder.Build();

        await app.StartAsync(ct);
        var dependent = await app.WaitForResourceAsync("dependent", r => r.State.IsTerminal(), ct).WaitAsync(Timeout, ct);

        Assert.Equal(ResourceState.Failed, dependent.State);
        Assert.Null(dependent.ProcessId);
        Assert.Equal("not started: 'broken' is Failed", dependent.Description);
    }

    [Fact]
    public async Task A_referencing_process_receives_connection_strings_and_service_endpoints()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        var files = builder.AddBlobFolder("files");
        var api = builder.AddSleeper("api").WithHttpEndpoint(port: 5999);
        var client = builder.AddSleeper("client").WithReference(files).WithReference(api).WithEnvironment("EXTRA", "yes");
        await using var app = builder.Build();

        await app.StartAsync(ct);
        await app.WaitForAllHealthyAsync(Timeout, ct);
        var environment = await ProcessEnvironment.ReadAsync(client.Resource.ProcessId!.Value);

        Assert.Equal(Path.Combine(app.DataDirectory, "files"), environment["ConnectionStrings__files"]);
        Assert.True(Directory.Exists(environment["ConnectionStrings__files"]));
        Assert.Equal(app.GetEndpoint("api").ToString().TrimEnd('/'), environment["services__api__http__0"]);
        Assert.Equal("yes", environment["EXTRA"]);
    }
}

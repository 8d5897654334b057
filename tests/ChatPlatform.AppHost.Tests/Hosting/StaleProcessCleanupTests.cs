using System.Text.Json;
using ChatPlatform.AppHost.Hosting.Local;

namespace ChatPlatform.AppHost.Tests.Hosting;

public sealed class StaleProcessCleanupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_child_left_running_by_a_killed_host_is_stopped_at_the_next_start()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temporary = new TemporaryDirectory();
        var dataDirectory = temporary.Path;
        // What a host killed with SIGKILL leaves: a child in its own session, still listed in the data folder.
        // Its first line says it runs as itself (setsid has handed over), as any child of a killed host long does.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var orphan = ChildProcess.Start("sh", ["-c", "echo ready; while :; do sleep 1; done"], (_, _) => ready.TrySetResult());
        await ready.Task.WaitAsync(Timeout, ct);
        new ProcessRegistry(dataDirectory).Record("orphan", orphan);

        var builder = TestApplications.CreateBuilderOn(dataDirectory);
        builder.AddBlobFolder("files");
        await using var app = builder.Build();
        await app.StartAsync(ct);

        await orphan.Exited.WaitAsync(Timeout, ct);
        Assert.Empty(ProcessRegistry.Read(dataDirectory));
    }

    [Fact]
    public async Task A_recorded_pid_that_now_belongs_to_another_program_is_left_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temporary = new TemporaryDirectory();
        var dataDirectory = temporary.Path;
        await using var bystander = ChildProcess.Start("sleep", ["600"], (_, _) => { });
        var recorded = new RecordedProcess("gateway", bystander.Id, StartTime: null, CommandLine: ["/usr/share/dotnet/dotnet", "/somewhere/ChatPlatform.Gateway.dll"]);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, ProcessRegistry.FileName), JsonSerializer.Serialize(recorded) + "\n", ct);

        var builder = TestApplications.CreateBuilderOn(dataDirectory);
        builder.AddBlobFolder("files");
        await using (var app = builder.Build())
        {
            await app.StartAsync(ct);
        }

        Assert.False(bystander.HasExited);
        Assert.False(recorded.IsRunning());
    }

    [Fact]
    public async Task A_second_host_on_the_same_data_folder_is_refused_while_the_first_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temporary = new TemporaryDirectory();
        var dataDirectory = temporary.Path;
        var first = TestApplications.CreateBuilderOn(dataDirectory);
        first.AddSleeper("worker");
        await using var running = first.Build();
        await running.StartAsync(ct);
        await running.WaitForAllHealthyAsync(TimeSpan.FromSeconds(30), ct);

        var second = TestApplications.CreateBuilderOn(dataDirectory);
        second.AddSleeper("worker");
        await using var refused = second.Build();
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => refused.StartAsync(ct));

        Assert.Contains("Another AppHost", error.Message, StringComparison.Ordinal);
        Assert.Equal(ResourceState.Running, running.GetResource("worker").State);
    }
}

using Npgsql;

namespace ChatPlatform.AppHost.Tests.Hosting;

/// <summary>PostgreSQL and Redis started by the host itself, their data kept in the data folder between runs.</summary>
public sealed class LocalServersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_second_run_on_the_same_data_folder_keeps_the_data()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temporary = new TemporaryDirectory();
        var dataDirectory = temporary.Path;
        await using (var first = BuildDatabaseOnly(dataDirectory))
        {
            await first.StartAsync(ct);
            await first.WaitForAllHealthyAsync(Timeout, ct);
            await ExecuteAsync(first.GetConnectionString("chatdb")!, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)", ct);
        }

        await using var second = BuildDatabaseOnly(dataDirectory);
        await second.StartAsync(ct);
        await second.WaitForAllHealthyAsync(Timeout, ct);

        await using var connection = new NpgsqlConnection(second.GetConnectionString("chatdb"));
        await connection.OpenAsync(ct);
        await using var query = new NpgsqlCommand("SELECT id FROM kept", connection);
        Assert.Equal(42, await query.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task Local_servers_are_healthy_and_stop_with_the_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = TestApplications.CreateBuilder();
        builder.AddPostgres("postgres").AddDatabase("chatdb");
        builder.AddRedis("redis");
        var app = builder.Build();

        await app.StartAsync(ct);
        await app.WaitForAllHealthyAsync(Timeout, ct);
        var recorded = ChatPlatform.AppHost.Hosting.Local.ProcessRegistry.Read(app.DataDirectory);
        await app.DisposeAsync();

        Assert.Equal(["postgres", "redis"], recorded.Select(p => p.Resource).Order());
        Assert.All(recorded, p => Assert.False(p.IsRunning()));
        Assert.All(app.Resources, r => Assert.Equal(ResourceState.Stopped, r.State));
    }

    private static DistributedApplication BuildDatabaseOnly(string dataDirectory)
    {
        var builder = DistributedApplication.CreateBuilder([], DistributedApplicationOptions.ForTesting() with
        {
            EnableDashboard = false,
            DataDirectory = dataDirectory,
            DeleteDataDirectoryOnDispose = false,
        });
        builder.AddPostgres("postgres").AddDatabase("chatdb");
        return builder.Build();
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

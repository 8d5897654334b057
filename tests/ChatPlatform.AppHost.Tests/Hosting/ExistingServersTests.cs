using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.AppHost.Tests.Hosting;

/// <summary>With <c>ConnectionStrings:*</c> configured, the host uses those servers and starts none of its own.</summary>
public sealed class ExistingServersTests(PostgresFixture postgres, RedisFixture redis)
    : IClassFixture<PostgresFixture>, IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Configured_connection_strings_are_used_and_no_server_is_started()
    {
        var ct = TestContext.Current.CancellationToken;
        // A database that does not exist yet: the host creates it on the existing server.
        var chatdb = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = $"apphost_{Guid.NewGuid():N}" }.ConnectionString;
        var builder = TestApplications.CreateBuilder($"--ConnectionStrings:chatdb={chatdb}", $"--ConnectionStrings:redis={redis.ConnectionString}");
        var database = builder.AddPostgres("postgres").AddDatabase("chatdb");
        var cache = builder.AddRedis("redis");
        var client = builder.AddSleeper("client").WithReference(database).WaitFor(database).WithReference(cache).WaitFor(cache);
        await using var app = builder.Build();

        await app.StartAsync(ct);
        await app.WaitForAllHealthyAsync(Timeout, ct);

        Assert.Equal(chatdb, app.GetConnectionString("chatdb"));
        Assert.Equal(redis.ConnectionString, app.GetConnectionString("redis"));
        Assert.All(["postgres", "chatdb", "redis"], name => Assert.Null(app.GetResource(name).ProcessId));
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "postgres")));
        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "redis")));
        var environment = await ProcessEnvironment.ReadAsync(client.Resource.ProcessId!.Value);
        Assert.Equal(chatdb, environment["ConnectionStrings__chatdb"]);
        Assert.Equal(redis.ConnectionString, environment["ConnectionStrings__redis"]);
        await using var connection = new NpgsqlConnection(chatdb);
        await connection.OpenAsync(ct);
    }
}

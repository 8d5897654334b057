using System.Globalization;
using ChatPlatform.Billing.Ledger;
using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Billing.Tests;

/// <summary>
/// The billing service as Program wires it (consumers included), on a database of the test's and the fake router;
/// clients act as users or admins through the internal tokens the gateway would mint.
/// </summary>
public sealed class BillingHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<LedgerStore> _factory;

    private BillingHost(WebApplicationFactory<LedgerStore> factory, string database)
    {
        _factory = factory;
        Database = database;
    }

    public string Database { get; }

    public IServiceProvider Services => _factory.Services;

    public IEventLog EventLog => Services.GetRequiredService<IEventLog>();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static BillingHost Start(
        string database, string redis, FakeModelRouter router, IReadOnlyDictionary<string, string>? settings = null, TimeProvider? timeProvider = null)
    {
        var factory = new WebApplicationFactory<LedgerStore>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:redis", redis);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            web.UseSetting("services:model-router:http:0", router.Address);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }
            if (timeProvider is not null)
            {
                web.ConfigureTestServices(services => services.AddSingleton(timeProvider));
            }
        });
        var host = new BillingHost(factory, database);
        _ = factory.Server; // starts the host, its migrations and its consumers
        return host;
    }

    public HttpClient ClientFor(Guid userId) => ClientWith(InternalTokens.Mint(InternalRoles.User, userId));

    public HttpClient AdminClient() => ClientWith(InternalTokens.Mint(InternalRoles.Admin, Guid.NewGuid()));

    public HttpClient ClientWith(string? token)
    {
        var client = _factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(token);
        }
        return client;
    }

    /// <summary>Appends <paramref name="events"/> in one transaction, as a producer would.</summary>
    public async Task AppendAsync(IReadOnlyCollection<EventToAppend> events)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        await EventLog.AppendAsync(connection, transaction, events, Cancellation);
        await transaction.CommitAsync(Cancellation);
    }

    /// <summary>Waits until both ledger consumers have passed the log's last event (polling the offsets they commit).</summary>
    public async Task WaitForConsumersAsync(TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var behind = await CountAsync($"""
                SELECT count(*) FROM generate_series(0, 1) AS p(i)
                WHERE coalesce((SELECT position FROM events.consumer_offsets WHERE consumer = '{UsageRecorder.ConsumerName}-' || p.i), 0)
                      < (SELECT coalesce(max(position), 0) FROM events.events)
                """);
            if (behind == 0)
            {
                return;
            }
            await Task.Delay(50, deadline.Token);
        }
    }

    public async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteScalarAsync(Cancellation);
    }

    public async Task<long> CountAsync(string sql, params object[] parameters) =>
        Convert.ToInt64(await ScalarAsync(sql, parameters), CultureInfo.InvariantCulture);

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog.Tests;

/// <summary>A started generic host with the event log, stopped and disposed at the end of the test.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private TestHost(IHost host) => Host = host;

    public IHost Host { get; }

    public NpgsqlDataSource DataSource => Host.Services.GetRequiredService<NpgsqlDataSource>();

    public IEventLog EventLog => Host.Services.GetRequiredService<IEventLog>();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A host that only produces events (and migrates schema "events"; and relays them, when on Kafka).</summary>
    public static Task<TestHost> StartProducerAsync(string connectionString, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = CreateBuilder(connectionString);
        configure?.Invoke(builder); // first: the event log reads its configuration as it is added
        builder.AddEventLog();
        return StartAsync(builder);
    }

    /// <summary>
    /// A host running consumer <paramref name="consumer"/>, whose handler calls <paramref name="handle"/>;
    /// <paramref name="host"/> configures the host before the consumer is added (to put it on Kafka, say).
    /// </summary>
    public static Task<TestHost> StartConsumerAsync(
        string connectionString,
        string consumer,
        Func<EventRecord, CancellationToken, Task> handle,
        Action<EventConsumerOptions>? configure = null,
        Action<HostApplicationBuilder>? host = null)
    {
        var builder = CreateBuilder(connectionString);
        host?.Invoke(builder);
        builder.Services.AddSingleton(handle);
        builder.AddEventConsumer<DelegatingHandler>(consumer, configure);
        return StartAsync(builder);
    }

    public static HostApplicationBuilder CreateBuilder(string connectionString)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = connectionString });
        return builder;
    }

    public static async Task<TestHost> StartAsync(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        await host.StartAsync(Cancellation);
        return new TestHost(host);
    }

    /// <summary>Appends <paramref name="events"/> in one committed transaction.</summary>
    public async Task AppendAsync(params EventToAppend[] events)
    {
        await using var connection = await DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        await EventLog.AppendAsync(connection, transaction, events, Cancellation);
        await transaction.CommitAsync(Cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }

    internal sealed class DelegatingHandler(Func<EventRecord, CancellationToken, Task> handle) : IEventHandler
    {
        public Task HandleAsync(EventRecord e, CancellationToken cancellationToken) => handle(e, cancellationToken);
    }
}

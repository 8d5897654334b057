using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.EventLog.Tests;

public sealed class ProcessedEventsTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_mark_counts_once_per_consumer_and_only_when_committed()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        var id = Guid.CreateVersion7();

        Assert.True(await MarkAsync(host, "billing", id, commit: false));
        Assert.True(await MarkAsync(host, "billing", id, commit: true));
        Assert.False(await MarkAsync(host, "billing", id, commit: true));
        Assert.True(await MarkAsync(host, "search", id, commit: true));
    }

    [Fact]
    public async Task An_idempotent_handler_applies_a_redelivered_event_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        await using (var create = producer.DataSource.CreateCommand("CREATE TABLE public.counter (n int NOT NULL); INSERT INTO public.counter VALUES (0)"))
        {
            await create.ExecuteNonQueryAsync(Cancellation);
        }
        var attempts = new Recorder();

        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "counting", async (e, ct) =>
        {
            await attempts.Record(e, ct);
            await using var connection = await producer.DataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            if (await ProcessedEvents.TryMarkAsync(connection, transaction, "counting", e.Id, ct))
            {
                await using var increment = new NpgsqlCommand("UPDATE public.counter SET n = n + 1", connection, transaction);
                await increment.ExecuteNonQueryAsync(ct);
            }
            await transaction.CommitAsync(ct);
            if (attempts.Events.Count == 1)
            {
                throw new InvalidOperationException("lost the offset after committing the effect");
            }
        }, options => options.RetryDelay = TimeSpan.FromMilliseconds(10));
        var e = Events.Numbered("k", 1);
        await producer.AppendAsync(e);
        await producer.AppendAsync(Events.Numbered("k", 2));

        await attempts.WaitForCountAsync(3);
        Assert.Equal([e.Id, e.Id], attempts.Events.Take(2).Select(x => x.Id));
        await using var count = producer.DataSource.CreateCommand("SELECT n FROM public.counter");
        Assert.Equal(2, await count.ExecuteScalarAsync(Cancellation));
    }

    private static async Task<bool> MarkAsync(TestHost host, string consumer, Guid id, bool commit)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        var marked = await ProcessedEvents.TryMarkAsync(connection, transaction, consumer, id, Cancellation);
        if (commit)
        {
            await transaction.CommitAsync(Cancellation);
        }
        return marked;
    }
}

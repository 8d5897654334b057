using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.EventLog.Tests.Consumers;

public sealed class OrderingTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_event_committed_after_later_positioned_ones_is_still_delivered_in_position_order(bool commit)
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "gaps", recorder.Record);
        await producer.AppendAsync(Events.Numbered("k", 0));
        await recorder.WaitForCountAsync(1);

        // C takes a transaction id first; A appends event 1 and stays open; B appends event 2 and commits; C appends
        // event 3 and commits. Positions: 2 (A), 3 (B), 4 (C). A consumer that trusted positions would hand out 2 and 3
        // and move past A's position; one that only read transactions older than every running one would hand out C's.
        await using var c = await producer.DataSource.OpenConnectionAsync(Cancellation);
        await using var cTransaction = await c.BeginTransactionAsync(Cancellation);
        await using (var takeId = new NpgsqlCommand("SELECT pg_current_xact_id()", c, cTransaction))
        {
            await takeId.ExecuteNonQueryAsync(Cancellation);
        }
        await using var a = await producer.DataSource.OpenConnectionAsync(Cancellation);
        await using var aTransaction = await a.BeginTransactionAsync(Cancellation);
        await producer.EventLog.AppendAsync(a, aTransaction, Events.Numbered("k", 1), Cancellation);
        await producer.AppendAsync(Events.Numbered("k", 2));
        await producer.EventLog.AppendAsync(c, cTransaction, Events.Numbered("k", 3), Cancellation);
        await cTransaction.CommitAsync(Cancellation);

        // Give a wrong consumer time to get it wrong (it was notified twice); nothing can signal that it did not.
        await Task.Delay(300, Cancellation);
        Assert.Equal([0], recorder.Events.Select(e => e.Number()));
        if (commit)
        {
            await aTransaction.CommitAsync(Cancellation);
        }
        else
        {
            await aTransaction.RollbackAsync(Cancellation);
        }

        var expected = commit ? new[] { 0, 1, 2, 3 } : [0, 2, 3];
        Assert.Equal(expected, (await recorder.WaitForCountAsync(expected.Length)).Select(e => e.Number()));
    }

    [Fact]
    public async Task Events_of_a_key_arrive_in_the_order_their_writers_serialised_on_it()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        await ExecuteAsync(producer, "CREATE TABLE public.conversations (id text PRIMARY KEY, messages int NOT NULL DEFAULT 0)");
        string[] keys = ["c1", "c2", "c3"];
        await ExecuteAsync(producer, "INSERT INTO public.conversations (id) VALUES ('c1'), ('c2'), ('c3')");
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "ordered", recorder.Record);
        const int producers = 6, turnsPerProducer = 20;

        // Like chat: each turn updates its conversation's row first, then appends the turn's events (sometimes two).
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var turn = 0; turn < turnsPerProducer; turn++)
            {
                var key = keys[(p + turn) % keys.Length];
                await using var connection = await producer.DataSource.OpenConnectionAsync(Cancellation);
                await using var transaction = await connection.BeginTransactionAsync(Cancellation);
                await using var update = new NpgsqlCommand(
                    "UPDATE public.conversations SET messages = messages + 2 WHERE id = $1 RETURNING messages", connection, transaction)
                {
                    Parameters = { new() { Value = key } },
                };
                var number = (int)(await update.ExecuteScalarAsync(Cancellation))!;
                EventToAppend[] events = turn % 2 == 0
                    ? [Events.Numbered(key, number - 1), Events.Numbered(key, number)]
                    : [Events.Numbered(key, number)];
                await producer.EventLog.AppendAsync(connection, transaction, events, Cancellation);
                await transaction.CommitAsync(Cancellation);
            }
        }, Cancellation)));

        var total = producers * turnsPerProducer * 3 / 2;
        var delivered = await recorder.WaitForCountAsync(total);
        Assert.Equal(total, delivered.Count);
        foreach (var key in keys)
        {
            var numbers = delivered.Where(e => e.Key == key).Select(e => e.Number()).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
    }

    [Fact]
    public async Task Many_concurrent_producers_are_consumed_exactly_once_by_an_idempotent_handler()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        await ExecuteAsync(producer, "CREATE TABLE public.effects (event_id uuid NOT NULL)");
        var attempts = new Recorder();
        var applied = new Recorder();
        var failedOnce = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "exactly-once", async (e, ct) =>
        {
            await attempts.Record(e, ct);
            await using var connection = await producer.DataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            if (await ProcessedEvents.TryMarkAsync(connection, transaction, "exactly-once", e.Id, ct))
            {
                await using var effect = new NpgsqlCommand("INSERT INTO public.effects VALUES ($1)", connection, transaction) { Parameters = { new() { Value = e.Id } } };
                await effect.ExecuteNonQueryAsync(ct);
            }
            await transaction.CommitAsync(ct);
            await applied.Record(e, ct);
            // Every 10th event fails after its effect committed, as if the process died before saving the offset.
            if (e.Number() % 10 == 0 && failedOnce.TryAdd(e.Id, true))
            {
                throw new InvalidOperationException("crashed after commit");
            }
        }, options =>
        {
            options.RetryDelay = TimeSpan.FromMilliseconds(5);
            options.BatchSize = 50;
        });
        const int producers = 8, transactionsPerProducer = 40;

        var appended = await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            var ids = new List<Guid>();
            for (var t = 0; t < transactionsPerProducer; t++)
            {
                var events = Enumerable.Range(0, 1 + (t % 3)).Select(i => Events.Numbered($"p{p}", (t * 3) + i)).ToArray();
                await producer.AppendAsync(events);
                ids.AddRange(events.Select(e => e.Id));
            }
            return ids;
        }, Cancellation)));

        var all = appended.SelectMany(ids => ids).ToHashSet();
        // The bound only limits how long a failure takes to show: a starved two-core CI machine has needed more than 60 s.
        await applied.WaitForAsync(seen => all.IsSubsetOf(seen.Select(e => e.Id)), $"all {all.Count} events", TimeSpan.FromMinutes(3));
        Assert.True(attempts.Events.Count > all.Count, "some events were delivered again");
        await using var command = producer.DataSource.CreateCommand("SELECT count(*), count(DISTINCT event_id) FROM public.effects");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        await reader.ReadAsync(Cancellation);
        Assert.Equal((long)all.Count, reader.GetInt64(0));
        Assert.Equal((long)all.Count, reader.GetInt64(1));
    }

    private static async Task ExecuteAsync(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}

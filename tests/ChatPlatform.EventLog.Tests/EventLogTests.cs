using System.Text.Json;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.EventLog.Tests;

public sealed class EventLogTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_event_commits_with_the_callers_state_change()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero);
        await using var host = await TestHost.StartProducerAsync(
            await postgres.CreateDatabaseAsync(Cancellation), builder => builder.Services.AddSingleton<TimeProvider>(new FixedClock(now)));
        await ExecuteAsync(host, "CREATE TABLE public.orders (id int PRIMARY KEY)");
        var e = EventToAppend.Create("order.placed", "user-7", new { OrderId = 1, Total = 9.5m });

        await using (var connection = await host.DataSource.OpenConnectionAsync(Cancellation))
        await using (var transaction = await connection.BeginTransactionAsync(Cancellation))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO public.orders VALUES (1)", connection, transaction);
            await insert.ExecuteNonQueryAsync(Cancellation);
            await host.EventLog.AppendAsync(connection, transaction, e, Cancellation);
            await transaction.CommitAsync(Cancellation);
        }

        var row = await SingleRowAsync(host, "SELECT id, type, key, payload::text, created_at FROM events.events");
        Assert.Equal(e.Id, row[0]);
        Assert.Equal("order.placed", row[1]);
        Assert.Equal("user-7", row[2]);
        var payload = JsonDocument.Parse((string)row[3]).RootElement;
        Assert.Equal(1, payload.GetProperty("orderId").GetInt32());
        Assert.Equal(9.5m, payload.GetProperty("total").GetDecimal());
        Assert.Equal(now, (DateTime)row[4]);
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_event_and_no_notification()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        await using var listener = await host.DataSource.OpenConnectionAsync(Cancellation);
        var notifications = new List<string>();
        listener.Notification += (_, n) => notifications.Add(n.Payload);
        await ExecuteAsync(listener, "LISTEN events");

        await using (var connection = await host.DataSource.OpenConnectionAsync(Cancellation))
        await using (var transaction = await connection.BeginTransactionAsync(Cancellation))
        {
            await host.EventLog.AppendAsync(connection, transaction, Events.Numbered("k", 1), Cancellation);
            await transaction.RollbackAsync(Cancellation);
        }
        // Notifications arrive in commit order: if the rolled-back append had notified, it would come before this one.
        await ExecuteAsync(host, "SELECT pg_notify('events', 'sentinel')");
        await listener.WaitAsync(Cancellation);

        Assert.Equal(["sentinel"], notifications);
        Assert.Equal(0L, await ScalarAsync<long>(host, "SELECT count(*) FROM events.events"));
    }

    [Fact]
    public async Task A_committed_append_notifies_listeners_once_per_transaction()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        await using var listener = await host.DataSource.OpenConnectionAsync(Cancellation);
        var notifications = new List<string>();
        listener.Notification += (_, n) => notifications.Add(n.Payload);
        await ExecuteAsync(listener, "LISTEN events");

        await host.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2));
        await listener.WaitAsync(Cancellation);
        await ExecuteAsync(host, "SELECT pg_notify('events', 'sentinel')");
        await listener.WaitAsync(Cancellation);

        Assert.Equal(["", "sentinel"], notifications);
    }

    [Fact]
    public async Task A_batch_keeps_its_order_and_an_id_already_in_the_log_is_not_appended_again()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        var batch = Enumerable.Range(1, 50).Select(n => Events.Numbered("k", n)).ToArray();

        await host.AppendAsync(batch);
        await host.AppendAsync(batch[0], Events.Numbered("k", 51) with { Id = batch[1].Id });

        var ids = await ListAsync<Guid>(host, "SELECT id FROM events.events ORDER BY position");
        Assert.Equal(batch.Select(e => e.Id), ids);
    }

    [Fact]
    public async Task A_payload_may_be_any_json_value()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));

        await host.AppendAsync(
            new EventToAppend("t", "k", JsonSerializer.SerializeToElement(42)),
            new EventToAppend("t", "k", JsonDocument.Parse("""{"nested":{"list":[1,"two",null]}}""").RootElement),
            EventToAppend.Create<object?>("t", "k", null));

        Assert.Equal(["42", """{"nested": {"list": [1, "two", null]}}""", "null"],
            await ListAsync<string>(host, "SELECT payload::text FROM events.events ORDER BY position"));
    }

    [Fact]
    public async Task An_event_built_by_a_query_takes_what_the_batch_wrote_before_it_and_no_row_writes_none()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        await ExecuteAsync(host, "CREATE TABLE public.orders (id int PRIMARY KEY, number int GENERATED ALWAYS AS IDENTITY (START WITH 41))");
        const string Payload = "SELECT jsonb_build_object('orderId', o.id, 'number', o.number, 'by', $2::text) FROM public.orders o WHERE o.id = $1";
        var placed = new EventFromQuery("order.placed", "user-7", Payload, [1, "ann"]);
        var missing = new EventFromQuery("order.placed", "user-7", Payload, [2, "bob"]);

        await using (var connection = await host.DataSource.OpenConnectionAsync(Cancellation))
        await using (var transaction = await connection.BeginTransactionAsync(Cancellation))
        {
            // The order's number is only known to the database; its event goes in the same round trip.
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new("INSERT INTO public.orders (id) VALUES (1)") } };
            using var first = host.EventLog.AddTo(batch, placed);
            using var second = host.EventLog.AddTo(batch, missing);
            await batch.ExecuteNonQueryAsync(Cancellation);
            await transaction.CommitAsync(Cancellation);
        }

        var row = await SingleRowAsync(host, "SELECT id, type, key, payload::text FROM events.events");
        Assert.Equal(placed.Id, row[0]);
        Assert.Equal(("order.placed", "user-7"), ((string)row[1], (string)row[2]));
        Assert.Equal("""{"by": "ann", "number": 41, "orderId": 1}""", row[3]);
    }

    [Fact]
    public async Task An_event_without_type_key_or_payload_is_refused()
    {
        await using var host = await TestHost.StartProducerAsync(await postgres.CreateDatabaseAsync(Cancellation));
        await using var connection = await host.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);

        await Assert.ThrowsAsync<ArgumentException>(() => host.EventLog.AppendAsync(connection, transaction, Events.Numbered("", 1), Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => host.EventLog.AppendAsync(connection, transaction, Events.Numbered("k", 1, type: " "), Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => host.EventLog.AppendAsync(connection, transaction, new EventToAppend("t", "k", default), Cancellation));
    }

    private static async Task ExecuteAsync(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    private static async Task<T> ScalarAsync<T>(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static async Task<object[]> SingleRowAsync(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        Assert.True(await reader.ReadAsync(Cancellation));
        var row = new object[reader.FieldCount];
        reader.GetValues(row);
        Assert.False(await reader.ReadAsync(Cancellation));
        return row;
    }

    private static async Task<List<T>> ListAsync<T>(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var values = new List<T>();
        while (await reader.ReadAsync(Cancellation))
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.EventLog;

public sealed class EventLog(TimeProvider timeProvider, EventLogTelemetry telemetry) : IEventLog
{
    public const string Schema = "events";

    /// <summary>The LISTEN/NOTIFY channel; a notification carries no payload, it only says "look".</summary>
    public const string Channel = "events";

    public Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventToAppend e, CancellationToken cancellationToken = default) =>
        AppendAsync(connection, transaction, [e], cancellationToken);

    public async Task AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        if (transaction.Connection != connection)
        {
            throw new ArgumentException("The transaction belongs to another connection.", nameof(transaction));
        }
        if (events.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        using var added = AddTo(batch, events);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        added.Written();
    }

    public AddedEvents AddTo(NpgsqlBatch batch, IReadOnlyCollection<EventToAppend> events)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return default;
        }
        foreach (var e in events)
        {
            Validate(e);
        }
        var activity = StartAppend(events.Count);
        AddCommands(batch, events);
        return new AddedEvents([.. events.Select(e => e.Type)], telemetry, activity);
    }

    public AddedEvents AddTo(NpgsqlBatch batch, EventFromQuery e)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.Type) || string.IsNullOrEmpty(e.Key) || string.IsNullOrWhiteSpace(e.PayloadQuery))
        {
            throw new ArgumentException($"Event {e.Id} needs a type, a key and a payload query.", nameof(e));
        }
        var activity = StartAppend(1);
        // The caller's parameters keep $1..$n; the event's own columns follow them.
        var n = e.Parameters.Count;
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO {Schema}.events (id, type, key, payload, created_at, trace_parent)
            SELECT ${n + 1}, ${n + 2}, ${n + 3}, q.payload, ${n + 4}, ${n + 5} FROM ({e.PayloadQuery}) AS q(payload)
            ON CONFLICT (id) DO NOTHING
            """);
        foreach (var value in e.Parameters)
        {
            command.Parameters.Add(new() { Value = value });
        }
        command.Parameters.Add(new() { Value = e.Id });
        command.Parameters.Add(new() { Value = e.Type });
        command.Parameters.Add(new() { Value = e.Key });
        command.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
        command.Parameters.Add(TraceParent());
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(Notify());
        return new AddedEvents([e.Type], telemetry, activity);
    }

    // Started before the statements are made, so that the events' trace_parent is this span.
    private static Activity? StartAppend(int count)
    {
        var activity = EventLogTelemetry.ActivitySource.StartActivity("events append", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "postgresql");
        activity?.SetTag("messaging.batch.message_count", count);
        return activity;
    }

    private static NpgsqlParameter TraceParent() => new()
    {
        Value = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : DBNull.Value,
        NpgsqlDbType = NpgsqlDbType.Text,
    };

    private static NpgsqlBatchCommand Notify() => new($"SELECT pg_notify('{Channel}', '')");

    private void AddCommands(NpgsqlBatch batch, IReadOnlyCollection<EventToAppend> events)
    {
        // Positions (next_position(), the column default) are taken in the ORDER BY's order: a batch keeps its order in the log.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {Schema}.events (id, type, key, payload, created_at, trace_parent)
            SELECT e.id, e.type, e.key, e.payload::jsonb, $5, $6
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(id, type, key, payload, n)
            ORDER BY e.n
            ON CONFLICT (id) DO NOTHING
            """)
        {
            Parameters =
            {
                new() { Value = events.Select(e => e.Id).ToArray() },
                new() { Value = events.Select(e => e.Type).ToArray() },
                new() { Value = events.Select(e => e.Key).ToArray() },
                new() { Value = events.Select(e => e.Payload.GetRawText()).ToArray() },
                new() { Value = timeProvider.GetUtcNow() },
                TraceParent(),
            },
        });
        batch.BatchCommands.Add(Notify());
    }

    private static void Validate(EventToAppend e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.Type) || string.IsNullOrEmpty(e.Key))
        {
            throw new ArgumentException($"Event {e.Id} needs a type and a key.", nameof(e));
        }
        if (e.Payload.ValueKind == System.Text.Json.JsonValueKind.Undefined)
        {
            throw new ArgumentException($"Event {e.Id} ({e.Type}) has no payload; use a JSON value (null, {{}} or more).", nameof(e));
        }
    }
}

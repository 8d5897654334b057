using System.Text.Json;
using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>The consumer side's SQL: offsets, the horizon, and reading the log in position order.</summary>
internal sealed class ConsumerStore(NpgsqlDataSource dataSource, string consumer, TimeProvider timeProvider)
{
    private const string Schema = EventLog.Schema;

    public async Task<long> LoadOffsetAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"INSERT INTO {Schema}.consumer_offsets (consumer, position, updated_at) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING")
        {
            Parameters = { new() { Value = consumer }, new() { Value = timeProvider.GetUtcNow() } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT position FROM {Schema}.consumer_offsets WHERE consumer = $1")
        {
            Parameters = { new() { Value = consumer } },
        });
        return (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The offset of the Kafka relay, which on its first start begins where every PostgreSQL consumer had got to (the
    /// lowest of their offsets): from there on, what they had not all handled reaches Kafka, and what some had already
    /// handled is skipped by their Kafka consumers (<see cref="ReadOffsetAsync"/>) or their handlers' idempotency.
    /// </summary>
    public async Task<long> LoadOffsetFromSlowestAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {Schema}.consumer_offsets (consumer, position, updated_at)
            SELECT $1, coalesce(min(position), 0), $2 FROM {Schema}.consumer_offsets WHERE consumer <> $1
            ON CONFLICT (consumer) DO NOTHING
            """)
        {
            Parameters = { new() { Value = consumer }, new() { Value = timeProvider.GetUtcNow() } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT position FROM {Schema}.consumer_offsets WHERE consumer = $1")
        {
            Parameters = { new() { Value = consumer } },
        });
        return (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The offset this consumer reached reading PostgreSQL (0 if it never did), without claiming one.</summary>
    public async Task<long> ReadOffsetAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT position FROM {Schema}.consumer_offsets WHERE consumer = $1");
        command.Parameters.Add(new() { Value = consumer });
        return await command.ExecuteScalarAsync(cancellationToken) as long? ?? 0;
    }

    /// <summary>
    /// Gap safety. A position is taken before commit, so a transaction still running can hold a position below ones
    /// already committed; reading "position > offset" alone would skip it when it commits. Every position up to the
    /// returned <c>Allocated</c> was taken by a transaction whose id is below <c>IdBound</c> (next_position() takes the
    /// id first, and ids only grow), so once no transaction older than <c>IdBound</c> runs, those positions are final.
    /// The bound is a fresh id taken after reading the sequence, and only when it moved past <paramref name="known"/>;
    /// a snapshot's xmax would not do, as a transaction that got its id after the last one ended is not in the snapshot.
    /// </summary>
    public async Task<(long Allocated, ulong? IdBound)> ReadAllocatedAsync(long known, CancellationToken cancellationToken)
    {
        var lastValue = $"coalesce(pg_sequence_last_value('{Schema}.events_position_seq'), 0)";
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {lastValue}"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT CASE WHEN {lastValue} > $1 THEN pg_current_xact_id() END")
        {
            Parameters = { new() { Value = known } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var allocated = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (allocated, reader.IsDBNull(0) ? null : reader.GetFieldValue<ulong>(0));
    }

    /// <summary>The oldest transaction id still running (all older ones have ended), as of now.</summary>
    public async Task<ulong> ReadOldestRunningAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())");
        return (ulong)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Committed events after <paramref name="offset"/> in position order. The caller stops at its final position:
    /// with that bound in the WHERE clause too, a table without fresh statistics gets a scan and sort of the whole range.
    /// </summary>
    public async Task<List<EventRecord>> ReadAsync(long offset, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, position, type, key, payload::text, created_at, trace_parent
            FROM {Schema}.events
            WHERE position > $1
            ORDER BY position
            LIMIT $2
            """);
        command.Parameters.Add(new() { Value = offset });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<EventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new EventRecord(
                reader.GetGuid(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                JsonElement.Parse(reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return events;
    }

    /// <summary>Moves the offset forward only, so a late write from a former leader cannot move it back.</summary>
    public async Task SaveOffsetAsync(long offset, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE {Schema}.consumer_offsets SET position = $2, updated_at = $3 WHERE consumer = $1 AND position < $2");
        command.Parameters.Add(new() { Value = consumer });
        command.Parameters.Add(new() { Value = offset });
        command.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

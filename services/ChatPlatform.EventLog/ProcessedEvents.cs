using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>Idempotence by event id: record "consumer C applied event X" in the same transaction as the effect.</summary>
public static class ProcessedEvents
{
    /// <summary>
    /// Marks the event processed by <paramref name="consumer"/> in <paramref name="transaction"/>; false if it already was,
    /// in which case the handler should commit nothing else. A concurrent attempt waits for this transaction to end.
    /// </summary>
    public static async Task<bool> TryMarkAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, Guid eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        await using var command = new NpgsqlCommand(
            "INSERT INTO events.processed (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction)
        {
            Parameters = { new() { Value = consumer }, new() { Value = eventId } },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}

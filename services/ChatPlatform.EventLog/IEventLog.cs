using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>Appends events in the caller's transaction, so they are written exactly when the state they describe is.</summary>
public interface IEventLog
{
    /// <summary>
    /// Writes the event in <paramref name="transaction"/> and notifies consumers, who wake when it commits.
    /// A rolled-back transaction leaves neither the event nor a notification.
    /// </summary>
    Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventToAppend e, CancellationToken cancellationToken = default);

    /// <summary>Writes the events, in this order, in <paramref name="transaction"/>; one round trip.</summary>
    Task AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<EventToAppend> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the append's statements to <paramref name="batch"/>, which must run in the transaction that writes the state the
    /// events describe: the caller's other statements and the events then cost one round trip. The caller calls
    /// <see cref="AddedEvents.Written"/> once the batch has run, and disposes what is returned.
    /// </summary>
    AddedEvents AddTo(NpgsqlBatch batch, IReadOnlyCollection<EventToAppend> events);

    /// <summary>Like <see cref="AddTo(NpgsqlBatch, IReadOnlyCollection{EventToAppend})"/>, for one event whose payload a query builds.</summary>
    AddedEvents AddTo(NpgsqlBatch batch, EventFromQuery e);
}

namespace ChatPlatform.EventLog;

/// <summary>
/// Handles the events a consumer reads (register with <c>AddEventConsumer&lt;THandler&gt;</c>; resolved in a new scope per event).
/// Delivery is at least once: after a failure or a restart an event may arrive again, so a handler must be idempotent
/// on <see cref="EventRecord.Id"/>; the simple way is <see cref="ProcessedEvents.TryMarkAsync"/> in the transaction that
/// applies the event. An exception makes the consumer retry the same event with backoff; it never skips it.
/// Events arrive in position order, the order they were appended; for one key that is commit order whenever its
/// writers serialise on it (update the conversation's row, then append) or write one after another.
/// </summary>
public interface IEventHandler
{
    Task HandleAsync(EventRecord e, CancellationToken cancellationToken);
}

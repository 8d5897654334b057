using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.EventLog;

/// <summary>
/// Hands one event to a consumer's handler (a new scope per event, traced as the producer's child), retrying with
/// backoff until it succeeds: the part of consuming that is the same whether the events come from PostgreSQL or Kafka.
/// </summary>
internal sealed partial class EventDispatcher(
    string consumer,
    Type handlerType,
    EventConsumerOptions options,
    IServiceScopeFactory scopes,
    EventLogTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>Returns once the handler succeeded; <paramref name="onFirstFailure"/> runs before the first retry.</summary>
    public async Task HandleAsync(EventRecord e, EventSource source, Func<Task>? onFirstFailure, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            using (var activity = StartActivity(e, source, attempt))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var handler = (IEventHandler)scope.ServiceProvider.GetRequiredService(handlerType);
                    await handler.HandleAsync(e, cancellationToken);
                    telemetry.Consumed(consumer, e.Type);
                    return;
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = exception;
                    activity?.AddException(exception);
                    activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                }
            }
            telemetry.Failed(consumer, e.Type);
            var delay = options.Backoff(attempt);
            LogHandlerFailed(logger, failure, consumer, e.Id, e.Type, e.Position, attempt, delay);
            if (attempt == 1 && onFirstFailure is not null)
            {
                await onFirstFailure(); // what was handled before this event stays handled, however long this takes
            }
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
    }

    private Activity? StartActivity(EventRecord e, EventSource source, int attempt)
    {
        if (!EventLogTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        // The handler continues the producer's trace and links to it, as messaging conventions suggest.
        ActivityContext.TryParse(e.TraceParent, null, isRemote: true, out var producer);
        var activity = EventLogTelemetry.ActivitySource.StartActivity(
            $"{consumer} process",
            ActivityKind.Consumer,
            producer,
            links: producer == default ? null : [new ActivityLink(producer)]);
        activity?.SetTag("messaging.system", source.System);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", source.Destination);
        activity?.SetTag("messaging.consumer.group.name", consumer);
        activity?.SetTag("messaging.message.id", e.Id.ToString());
        activity?.SetTag("chatplatform.event.type", e.Type);
        activity?.SetTag("chatplatform.event.position", e.Position);
        activity?.SetTag("chatplatform.event.attempt", attempt);
        return activity;
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Event consumer {Consumer} failed on event {EventId} ({EventType}, position {Position}), attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogHandlerFailed(
        ILogger logger, Exception exception, string consumer, Guid eventId, string eventType, long position, int attempt, TimeSpan delay);
}

/// <summary>Where a consumer reads events, for its spans: PostgreSQL's log channel or a Kafka topic.</summary>
internal sealed record EventSource(string System, string Destination)
{
    public static readonly EventSource Postgres = new("postgresql", EventLog.Channel);
}

using ChatPlatform.Chat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// This instance's proof of life: one row refreshed every <see cref="TurnOptions.HeartbeatInterval"/>, however many
/// answers stream here. Every <see cref="TurnOptions.PartialTextInterval"/> the same round trip also saves the text of the
/// answers that grew since their last save, so an answer swept after a crash keeps what was streamed even if Redis lost it.
/// Registered before <see cref="TurnRegistry"/>, so it stops after it: the heartbeat lasts until every turn is committed.
/// </summary>
public sealed partial class InstanceHeartbeat(
    ChatInstance instance,
    InstanceStore store,
    TurnRegistry registry,
    IOptions<TurnOptions> options,
    TimeProvider timeProvider,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    private readonly Lock _lock = new();
    private Task? _retirement;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Migrations ran in an earlier hosted service. The row exists before any turn starts, so a sweeper can always judge
        // this instance's answers, even if it dies before its first timed beat.
        await store.BeatAsync(instance.Id, timeProvider.GetUtcNow(), [], cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, timeProvider);
        var textSavedAt = timeProvider.GetTimestamp();
        while (await timer.WaitForNextTickOrStopAsync(stoppingToken))
        {
            var saveText = timeProvider.GetElapsedTime(textSavedAt) >= options.Value.PartialTextInterval;
            if (saveText)
            {
                textSavedAt = timeProvider.GetTimestamp();
            }
            await BeatAsync(saveText, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // A host can be stopped twice at once (WebApplication.Run's own stop and its owner's): both wait for one retirement.
        Task retirement;
        lock (_lock)
        {
            retirement = _retirement ??= RetireAsync(cancellationToken);
        }
        await retirement;
    }

    private async Task RetireAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.RetireAsync(instance.Id, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The heartbeat goes stale on its own; the sweepers then do what the retirement would have let them do at once.
            LogBeatFailed(logger, e);
        }
    }

    /// <summary>One beat; with <paramref name="saveText"/>, the text of every answer here that grew since its last save.</summary>
    public async Task BeatAsync(bool saveText, CancellationToken cancellationToken)
    {
        var taken = new List<(TurnProgress Progress, UnsavedText Text)>();
        var partials = new List<PartialAnswer>();
        if (saveText)
        {
            foreach (var turn in registry.Running)
            {
                if (turn.Progress.TakeUnsaved() is { } unsaved)
                {
                    taken.Add((turn.Progress, unsaved));
                    partials.Add(new PartialAnswer(turn.UserId, turn.MessageId, unsaved.Text, unsaved.LastEventId));
                }
            }
        }
        try
        {
            await store.BeatAsync(instance.Id, timeProvider.GetUtcNow(), partials, cancellationToken);
            foreach (var (progress, text) in taken)
            {
                progress.MarkSaved(text);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong, the next beat tries again: a stopped heartbeat would hand every answer here to the sweepers.
            LogBeatFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The instance heartbeat could not be saved")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}

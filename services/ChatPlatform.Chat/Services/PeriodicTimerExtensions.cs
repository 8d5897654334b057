namespace ChatPlatform.Chat.Services;

internal static class PeriodicTimerExtensions
{
    /// <summary>The next tick: false once the timer is disposed or the service is stopping, never an exception.</summary>
    public static async Task<bool> WaitForNextTickOrStopAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

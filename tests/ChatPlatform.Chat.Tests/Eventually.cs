namespace ChatPlatform.Chat.Tests;

/// <summary>For state another process or a background loop writes, where there is no signal to await: polls until true.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken cancellationToken, int timeoutSeconds = 20)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            await Task.Delay(50, timeout.Token);
        }
    }
}

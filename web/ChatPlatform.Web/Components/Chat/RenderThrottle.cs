namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// Renders a streaming message at most once per interval however fast tokens come, and never leaves the last
/// tokens unrendered: a change inside the interval schedules one render at its end.
/// </summary>
public sealed class RenderThrottle(MessageState message, TimeSpan interval, TimeProvider time)
{
    private long _lastRender = long.MinValue;
    private bool _scheduled;
    private bool _pending;

    public void Changed()
    {
        _pending = true;
        var now = time.GetTimestamp();
        if (_lastRender == long.MinValue || time.GetElapsedTime(_lastRender, now) >= interval)
        {
            Render(now);
        }
        else if (!_scheduled)
        {
            _scheduled = true;
            _ = RenderLaterAsync(interval - time.GetElapsedTime(_lastRender, now));
        }
    }

    public void Flush()
    {
        if (_pending)
        {
            Render(time.GetTimestamp());
        }
    }

    private async Task RenderLaterAsync(TimeSpan delay)
    {
        await Task.Delay(delay, time);
        _scheduled = false;
        if (_pending)
        {
            Render(time.GetTimestamp());
        }
    }

    private void Render(long now)
    {
        _lastRender = now;
        _pending = false;
        message.NotifyChanged();
    }
}

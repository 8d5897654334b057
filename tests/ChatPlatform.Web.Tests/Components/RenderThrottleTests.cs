using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Web.Tests.Components;

public sealed class RenderThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(33);

    private static (MessageState Message, Func<int> Renders) Watched()
    {
        var message = MessageState.PendingAnswer(null, 0, 1);
        var renders = 0;
        message.Changed += () => renders++;
        return (message, () => renders);
    }

    [Fact]
    public void Tokens_within_one_interval_render_once_then_once_more_at_its_end()
    {
        var time = new FakeTimeProvider();
        var (message, renders) = Watched();
        var throttle = new RenderThrottle(message, Interval, time);

        for (var i = 0; i < 10; i++)
        {
            message.Append("x");
            throttle.Changed();
            time.Advance(TimeSpan.FromMilliseconds(2));
        }
        Assert.Equal(1, renders());

        time.Advance(Interval);
        Assert.Equal(2, renders());
    }

    [Fact]
    public void Slow_tokens_each_render_at_once()
    {
        var time = new FakeTimeProvider();
        var (message, renders) = Watched();
        var throttle = new RenderThrottle(message, Interval, time);

        for (var i = 0; i < 3; i++)
        {
            throttle.Changed();
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(3, renders());
    }

    [Fact]
    public void Flush_renders_what_is_pending_and_nothing_when_all_is_shown()
    {
        var time = new FakeTimeProvider();
        var (message, renders) = Watched();
        var throttle = new RenderThrottle(message, Interval, time);
        throttle.Changed();
        throttle.Changed();

        throttle.Flush();
        throttle.Flush();

        Assert.Equal(2, renders());
    }

    [Fact]
    public void A_message_applies_the_servers_version_and_keeps_a_sibling_count_it_was_not_sent()
    {
        var message = MessageState.PendingAnswer(null, 1, 2);
        message.Append("partial");
        var id = Guid.NewGuid();

        message.Apply(new Message(id, Guid.NewGuid(), null, MessageRole.Assistant, "whole text", MessageStatus.Stopped, "sim-fast", DateTimeOffset.UnixEpoch, 1));

        Assert.Equal(id, message.Id);
        Assert.Equal("whole text", message.Content);
        Assert.Equal(MessageStatus.Stopped, message.Status);
        Assert.Equal(2, message.SiblingCount);
    }
}

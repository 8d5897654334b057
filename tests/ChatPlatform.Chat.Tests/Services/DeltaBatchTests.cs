using System.Threading.Channels;
using ChatPlatform.Chat.Services;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class DeltaBatchTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void The_first_token_goes_at_once_and_tokens_within_the_window_go_together()
    {
        var time = new FakeTimeProvider();
        var sent = new List<string>();
        var batch = new DeltaBatch(Window, time, sent.Add);

        batch.Add("Hel");
        Assert.Equal(["Hel"], sent);

        time.Advance(TimeSpan.FromMilliseconds(10));
        batch.Add("lo");
        time.Advance(TimeSpan.FromMilliseconds(10));
        batch.Add(",");
        Assert.Equal(["Hel"], sent);

        time.Advance(TimeSpan.FromMilliseconds(10));
        batch.Add(" world");
        Assert.Equal(["Hel", "lo, world"], sent);
    }

    [Fact]
    public async Task Held_text_goes_out_when_its_window_closes_though_the_model_is_quiet()
    {
        var time = new FakeTimeProvider();
        var sent = new List<string>();
        var batch = new DeltaBatch(Window, time, sent.Add);
        var tokens = Channel.CreateUnbounded<string>();
        await using var source = tokens.Reader.ReadAllAsync(Token).GetAsyncEnumerator(Token);

        batch.Add("first");
        time.Advance(TimeSpan.FromMilliseconds(5));
        batch.Add(" held");
        var waiting = batch.MoveNextAsync(source).AsTask();

        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(["first"], sent);
        time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.GetAsync(() => Task.FromResult(sent.Count), count => count == 2, Token);
        Assert.Equal(["first", " held"], sent);
        Assert.False(waiting.IsCompleted);

        tokens.Writer.TryWrite(" next");
        Assert.True(await waiting);
        Assert.Equal(" next", source.Current);
    }

    [Fact]
    public async Task One_timer_serves_every_window_and_goes_with_the_batch()
    {
        var time = new CountingTimeProvider();
        var sent = new List<string>();
        var batch = new DeltaBatch(Window, time, sent.Add);
        var tokens = Channel.CreateUnbounded<string>();
        await using var source = tokens.Reader.ReadAllAsync(Token).GetAsyncEnumerator(Token);

        var expected = new List<string> { "first" };
        batch.Add("first");
        foreach (var token in new[] { " second", " third" })
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            batch.Add(token);
            var waiting = batch.MoveNextAsync(source).AsTask();
            time.Advance(Window);
            expected.Add(token);
            await Eventually.GetAsync(() => Task.FromResult(sent.Count), count => count == expected.Count, Token);
            tokens.Writer.TryWrite("next");
            Assert.True(await waiting);
        }
        batch.Dispose();

        Assert.Equal(expected, sent);
        Assert.Equal(1, time.TimersCreated);
        Assert.Equal(1, time.TimersDisposed);
    }

    [Fact]
    public void Flush_sends_what_is_held_and_nothing_when_nothing_is()
    {
        var time = new FakeTimeProvider();
        var sent = new List<string>();
        var batch = new DeltaBatch(Window, time, sent.Add);

        batch.Flush();
        batch.Add("a");
        batch.Add("b");
        batch.Flush();
        batch.Flush();

        Assert.Equal(["a", "b"], sent);
    }

    [Fact]
    public void A_zero_window_sends_every_token_as_it_comes()
    {
        var sent = new List<string>();
        var batch = new DeltaBatch(TimeSpan.Zero, new FakeTimeProvider(), sent.Add);

        foreach (var token in new[] { "a", "b", "c" })
        {
            batch.Add(token);
        }

        Assert.Equal(["a", "b", "c"], sent);
    }

    /// <summary>A fake clock that counts the timers made from it and those disposed.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int TimersCreated { get; private set; }

        public int TimersDisposed { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return new CountedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        }

        private sealed class CountedTimer(ITimer inner, CountingTimeProvider owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                owner.TimersDisposed++;
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}

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
}

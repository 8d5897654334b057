using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatPlatform.Chat.Tests.Services;

/// <summary>Stops reach a turn however they interleave with its start.</summary>
public sealed class TurnRegistryTests(RedisFixture redis) : IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;
    private TurnRegistry? _registry;

    private TurnRegistry Registry => _registry!;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        _registry = new TurnRegistry(new StopSignals(new ChatPlatform.Redis.RedisBreaker(_redis), NullLogger<StopSignals>.Instance), new NoLifetime(), NullLogger<TurnRegistry>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public void A_stop_for_a_running_turn_cancels_it_as_stopped()
    {
        var turn = Add(Guid.NewGuid());

        Registry.Stop(turn.MessageId);

        Assert.True(turn.Token.IsCancellationRequested);
        Assert.Equal(TurnEnd.Stopped, turn.End);
    }

    [Fact]
    public void A_stop_that_arrives_before_its_turn_is_added_still_stops_it()
    {
        var messageId = Guid.NewGuid();

        Registry.Stop(messageId);
        var turn = Add(messageId);

        Assert.True(turn.Token.IsCancellationRequested);
        Assert.Equal(TurnEnd.Stopped, turn.End);
        // Remembered once: a later turn with another id is not touched, and the early stop is used up.
        Assert.False(Add(Guid.NewGuid()).Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Stops_racing_with_starts_are_never_lost()
    {
        var ids = Enumerable.Range(0, 2_000).Select(_ => Guid.NewGuid()).ToArray();
        var turns = new RunningTurn[ids.Length];

        await Task.WhenAll(
            Task.Run(() => Parallel.For(0, ids.Length, i => turns[i] = Add(ids[i])), TestContext.Current.CancellationToken),
            Task.Run(() => Parallel.For(0, ids.Length, i => Registry.Stop(ids[i])), TestContext.Current.CancellationToken));

        Assert.All(turns, t => Assert.Equal(TurnEnd.Stopped, t.End));
    }

    private RunningTurn Add(Guid messageId) => Registry.Add(messageId, Guid.NewGuid(), new TurnProgress());

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}

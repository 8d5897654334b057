using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.EventLog.Tests.Consumers;

public sealed class PartitionTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_key_belongs_to_exactly_one_partition_and_keys_spread_over_all()
    {
        var partitions = Enumerable.Range(0, 3).Select(i => new EventPartition(i, 3)).ToArray();
        var keys = Enumerable.Range(0, 300).Select(i => Guid.NewGuid().ToString()).ToArray();

        Assert.All(keys, key => Assert.Single(partitions, p => p.Owns(key)));
        Assert.All(partitions, p => Assert.InRange(keys.Count(p.Owns), 50, 150));
        // Fixed across processes and releases: a key's partition is part of the stored offsets' meaning.
        // FNV-1a("a") = 0xe40c292c, FNV-1a("b") = 0xe70c2de5, FNV-1a("c") = 0xe60c2c52.
        Assert.Equal([0, 1, 0], new[] { "a", "b", "c" }.Select(key => new[] { 0, 1 }.Single(i => new EventPartition(i, 2).Owns(key))));
        Assert.Equal([1, 1, 2], new[] { "a", "b", "c" }.Select(key => new[] { 0, 1, 2 }.Single(i => new EventPartition(i, 3).Owns(key))));
    }

    [Fact]
    public async Task A_slow_event_holds_back_only_its_own_partition_and_each_key_is_handled_once_in_order()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var (slowKey, otherKey) = KeysInDifferentPartitions(2);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new Recorder();
        Func<EventRecord, CancellationToken, Task> handle = async (e, ct) =>
        {
            await recorder.Record(e, ct);
            if (e.Key == slowKey && e.Number() == 1)
            {
                await release.Task.WaitAsync(ct);
            }
        };
        var builder = TestHost.CreateBuilder(connectionString);
        builder.Services.AddSingleton(handle);
        builder.AddPartitionedEventConsumers<TestHost.DelegatingHandler>("files", 2);
        await using var consumers = await TestHost.StartAsync(builder);

        await producer.AppendAsync(Events.Numbered(slowKey, 1), Events.Numbered(slowKey, 2), Events.Numbered(otherKey, 1), Events.Numbered(otherKey, 2));

        // The other key's events get through while the slow key's first event is still being handled.
        var whileBlocked = await recorder.WaitForAsync(events => events.Count(e => e.Key == otherKey) == 2, "the other key's events");
        Assert.DoesNotContain(whileBlocked, e => e.Key == slowKey && e.Number() == 2);
        release.SetResult();
        var all = await recorder.WaitForCountAsync(4);
        Assert.Equal([1, 2], all.Where(e => e.Key == slowKey).Select(e => e.Number()));
        Assert.Equal([1, 2], all.Where(e => e.Key == otherKey).Select(e => e.Number()));
        Assert.Equal(4, all.Count);
    }

    private static (string, string) KeysInDifferentPartitions(int count)
    {
        var first = Guid.NewGuid().ToString();
        var partition = Enumerable.Range(0, count).Single(i => new EventPartition(i, count).Owns(first));
        while (true)
        {
            var second = Guid.NewGuid().ToString();
            if (!new EventPartition(partition, count).Owns(second))
            {
                return (first, second);
            }
        }
    }
}

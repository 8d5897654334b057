using System.Collections.Concurrent;
using ChatPlatform.Testing;

namespace ChatPlatform.EventLog.Tests.Kafka;

/// <summary>
/// Two instances of one consumer (as two replicas of a service run it) share the topic's partitions through one Kafka
/// consumer group: together they handle every event, one key's events in commit order, and when one leaves its
/// partitions move to the other without an event lost.
/// </summary>
public sealed class KafkaConsumerGroupTests(PostgresFixture postgres)
{
    private const int Keys = 8;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_members_of_a_group_share_the_partitions_keep_each_keys_order_and_a_leaving_member_loses_nothing()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString, KafkaTest.On(kafka));
        var deliveries = new Recorder(); // every delivery to either member, in the order they were handled
        var effects = new ConcurrentDictionary<Guid, int>(); // what an idempotent handler applies: once per event id
        var first = new Recorder();
        var second = new Recorder();
        Func<EventRecord, CancellationToken, Task> Member(Recorder member) => async (e, ct) =>
        {
            effects.TryAdd(e.Id, e.Number());
            await member.Record(e, ct);
            await deliveries.Record(e, ct);
        };
        await using var firstHost = await TestHost.StartConsumerAsync(connectionString, "billing", Member(first), host: KafkaTest.On(kafka));
        var secondHost = await TestHost.StartConsumerAsync(connectionString, "billing", Member(second), host: KafkaTest.On(kafka));
        var next = 0;
        async Task<int> AppendRoundAsync()
        {
            // One event for each key per round, numbered in commit order.
            await producer.AppendAsync([.. Enumerable.Range(0, Keys).Select(k => Events.Numbered($"user-{k}", ++next))]);
            return next;
        }

        // Rounds until both members have handled events: the group has spread the partitions over them.
        while (first.Events.Count == 0 || second.Events.Count == 0)
        {
            var last = await AppendRoundAsync();
            await deliveries.WaitForAsync(events => events.Any(e => e.Number() == last), $"event {last}");
        }

        // A round written as the second member leaves, and one after: the first takes over its partitions.
        await AppendRoundAsync();
        await secondHost.DisposeAsync();
        var end = await AppendRoundAsync();
        var handledBySecond = second.Events.Count;

        await deliveries.WaitForAsync(events => events.Select(e => e.Number()).Distinct().Count() == end, $"events 1 to {end}");
        Assert.Equal(Enumerable.Range(1, end), effects.Values.Order());
        Assert.Equal(handledBySecond, second.Events.Count);
        // Every key's events were handled in commit order, across the handover (a redelivery repeats, never reorders).
        Assert.All(deliveries.Events.GroupBy(e => e.Key), key =>
        {
            var firstDeliveries = key.Select(e => e.Number()).Distinct().ToList();
            Assert.Equal(firstDeliveries.Order(), firstDeliveries);
        });
        // The second member's partitions moved: after it left, the first handled keys it had had.
        var secondKeys = second.Events.Select(e => e.Key).ToHashSet();
        Assert.NotEmpty(secondKeys);
        Assert.All(secondKeys, key => Assert.Contains(first.Events, e => e.Key == key && e.Number() > end - Keys));
    }
}

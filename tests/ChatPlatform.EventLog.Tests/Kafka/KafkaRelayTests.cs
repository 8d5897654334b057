using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.EventLog.Tests.Kafka;

public sealed class KafkaRelayTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_relay_publishes_committed_events_keyed_by_their_key_in_commit_order_per_key()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var host = await TestHost.StartProducerAsync(connectionString, KafkaTest.On(kafka));

        await host.AppendAsync(Events.Numbered("alice", 1), Events.Numbered("bob", 1), Events.Numbered("alice", 2));
        await host.AppendAsync(Events.Numbered("bob", 2));
        await host.AppendAsync(Events.Numbered("carol", 1), Events.Numbered("alice", 3));

        var messages = kafka.Read(KafkaTest.Topic, 6);
        Assert.Equal(6, messages.Count);
        Assert.All(messages, m => Assert.Equal(m.Message.Key, m.Event().Key));
        // One key, one partition, in commit order there.
        Assert.All(messages.GroupBy(m => m.Message.Key), key => Assert.Single(key.Select(m => m.Partition.Value).Distinct()));
        Assert.Equal([1, 2, 3], messages.Where(m => m.Message.Key == "alice").Select(m => m.Event().Number()));
        Assert.Equal([1, 2], messages.Where(m => m.Message.Key == "bob").Select(m => m.Event().Number()));
        Assert.All(messages.GroupBy(m => m.Partition.Value), partition =>
            Assert.Equal(partition.Select(m => m.Event().Position).Order(), partition.Select(m => m.Event().Position)));
    }

    [Fact]
    public async Task A_relay_that_crashed_before_saving_its_position_publishes_the_rest_again_and_loses_nothing()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        var first = await TestHost.StartProducerAsync(connectionString, KafkaTest.On(kafka));
        await first.AppendAsync([.. Enumerable.Range(1, 6).Select(n => Events.Numbered(n % 2 == 0 ? "even" : "odd", n))]);
        var published = kafka.Read(KafkaTest.Topic, 6);
        await first.DisposeAsync();
        // The crash: Kafka acknowledged events 4 to 6, but the relay's position in PostgreSQL never got past event 3.
        var third = published.Select(m => m.Event()).Single(e => e.Number() == 3).Position;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(Cancellation);
            await using var rewind = new NpgsqlCommand("UPDATE events.consumer_offsets SET position = $1 WHERE consumer = 'kafka-relay'", connection)
            {
                Parameters = { new() { Value = third } },
            };
            Assert.Equal(1, await rewind.ExecuteNonQueryAsync(Cancellation));
        }

        await using var second = await TestHost.StartProducerAsync(connectionString, KafkaTest.On(kafka));
        await second.AppendAsync(Events.Numbered("odd", 7), Events.Numbered("even", 8));

        var events = kafka.Read(KafkaTest.Topic, 11).Select(m => m.Event()).ToList();
        Assert.Equal(Enumerable.Range(1, 8), events.Select(e => e.Number()).Distinct().Order());
        Assert.Equal([4, 5, 6], events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.First().Number()).Order());
        // Per key, first deliveries stay in commit order.
        Assert.Equal([1, 3, 5, 7], events.Where(e => e.Key == "odd").Select(e => e.Number()).Distinct());
        Assert.Equal([2, 4, 6, 8], events.Where(e => e.Key == "even").Select(e => e.Number()).Distinct());
    }
}

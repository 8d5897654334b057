using System.Text.Json;
using ChatPlatform.Testing;

namespace ChatPlatform.EventLog.Tests.Kafka;

public sealed class KafkaEventConsumerTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_consumer_on_kafka_hands_every_event_to_the_same_handler_in_order()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "reader", recorder.Record, host: KafkaTest.On(kafka));

        await producer.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2));
        await producer.AppendAsync(Events.Numbered("k", 3));

        var events = await recorder.WaitForCountAsync(3);
        Assert.Equal([1, 2, 3], events.Select(e => e.Number()));
        // It read Kafka: no PostgreSQL offset was ever taken under its name.
        Assert.Equal(0, await ConsumerOffsetsAsync(producer, "reader"));
    }

    [Fact]
    public async Task A_restarted_consumer_resumes_after_the_offsets_its_group_committed()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var first = new Recorder();
        var firstHost = await TestHost.StartConsumerAsync(connectionString, "resumer", first.Record, host: KafkaTest.On(kafka));
        await producer.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2), Events.Numbered("k", 3));
        await first.WaitForCountAsync(3);
        await firstHost.DisposeAsync();

        await producer.AppendAsync(Events.Numbered("k", 4), Events.Numbered("k", 5));
        var second = new Recorder();
        await using var secondHost = await TestHost.StartConsumerAsync(connectionString, "resumer", second.Record, host: KafkaTest.On(kafka));

        // One key, one partition: had the group not committed 1 to 3, they would come again before 4.
        Assert.Equal([4, 5], (await second.WaitForCountAsync(2)).Select(e => e.Number()));
        Assert.Equal([1, 2, 3], first.Events.Select(e => e.Number()));
    }

    [Fact]
    public async Task A_handler_that_throws_on_kafka_sees_the_event_again_and_the_consumer_keeps_going()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        var failed = 0;
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "flaky", async (e, ct) =>
        {
            await recorder.Record(e, ct);
            if (e.Number() == 1 && Interlocked.Increment(ref failed) == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }
        }, options => options.RetryDelay = TimeSpan.FromMilliseconds(20), KafkaTest.On(kafka));

        await producer.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2));

        Assert.Equal([1, 1, 2], (await recorder.WaitForCountAsync(3)).Select(e => e.Number()));
    }

    [Fact]
    public async Task An_event_delivered_twice_by_a_replaying_relay_reaches_the_handler_once()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        var recorder = new Recorder();
        // No event in PostgreSQL: this test writes the topic itself, as a relay that crashed and replayed 2 and 3 would.
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "deduplicating", recorder.Record, host: KafkaTest.On(kafka));
        var events = Enumerable.Range(1, 4).Select(n => new EventRecord(
            Guid.CreateVersion7(), 1000 + n, "test.numbered", "k", JsonSerializer.SerializeToElement(new Events.NumberedPayload(n)), DateTimeOffset.UtcNow, null)).ToList();

        foreach (var e in new[] { events[0], events[1], events[2], events[1], events[2], events[3] })
        {
            kafka.Produce(KafkaTest.Topic, e.Key, JsonSerializer.SerializeToUtf8Bytes(e, JsonSerializerOptions.Web));
        }

        await recorder.WaitForAsync(events[3].Id);
        Assert.Equal([1, 2, 3, 4], recorder.Events.Select(e => e.Number()));
    }

    private static async Task<long> ConsumerOffsetsAsync(TestHost host, string consumer)
    {
        await using var command = host.DataSource.CreateCommand("SELECT count(*) FROM events.consumer_offsets WHERE consumer = $1");
        command.Parameters.Add(new() { Value = consumer });
        return (long)(await command.ExecuteScalarAsync(Cancellation))!;
    }
}

using ChatPlatform.Testing;

namespace ChatPlatform.EventLog.Tests.Kafka;

public sealed class SwitchToKafkaTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Switching_consumers_from_postgresql_to_kafka_loses_nothing_and_hands_nothing_over_twice()
    {
        using var kafka = KafkaTest.StartCluster();
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var ahead = new Recorder();
        var behind = new Recorder();

        // On PostgreSQL: "behind" handles events 1 to 6 and stops; "ahead" handles 1 to 10.
        var behindOnPostgres = await TestHost.StartConsumerAsync(connectionString, "behind", behind.Record);
        await producer.AppendAsync([.. Enumerable.Range(1, 6).Select(n => Events.Numbered(n % 2 == 0 ? "a" : "b", n))]);
        await behind.WaitForCountAsync(6);
        await behindOnPostgres.DisposeAsync();
        var aheadOnPostgres = await TestHost.StartConsumerAsync(connectionString, "ahead", ahead.Record);
        await producer.AppendAsync([.. Enumerable.Range(7, 4).Select(n => Events.Numbered(n % 2 == 0 ? "a" : "b", n))]);
        await ahead.WaitForCountAsync(10);
        await aheadOnPostgres.DisposeAsync();
        // Committed while nothing reads.
        await producer.AppendAsync(Events.Numbered("a", 11), Events.Numbered("b", 12));

        // On Kafka: the relay starts where both had got to (after 6); each consumer skips what it handled on PostgreSQL.
        await using var aheadOnKafka = await TestHost.StartConsumerAsync(connectionString, "ahead", ahead.Record, host: KafkaTest.On(kafka));
        await using var behindOnKafka = await TestHost.StartConsumerAsync(connectionString, "behind", behind.Record, host: KafkaTest.On(kafka));
        await producer.AppendAsync(Events.Numbered("a", 13));

        await ahead.WaitForAsync(events => events.Any(e => e.Number() == 13), "event 13");
        await behind.WaitForAsync(events => events.Any(e => e.Number() == 13), "event 13");
        Assert.Equal([7, 8, 9, 10, 11, 12, 13], kafka.Read(KafkaTest.Topic, 7).Select(m => m.Event().Number()).Order());
        // Events 11 and 12 (keys b and a) and 13 (key a) may interleave across keys, not within one.
        Assert.Equal(Enumerable.Range(1, 13), ahead.Events.Select(e => e.Number()).Order());
        Assert.Equal(Enumerable.Range(1, 13), behind.Events.Select(e => e.Number()).Order());
        Assert.Equal([2, 4, 6, 8, 10, 11, 13], behind.Events.Where(e => e.Key == "a").Select(e => e.Number()));
    }
}

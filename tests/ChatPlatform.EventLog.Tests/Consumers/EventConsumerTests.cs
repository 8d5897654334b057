using Microsoft.Extensions.DependencyInjection;
using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.EventLog.Tests.Consumers;

public sealed class EventConsumerTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_consumer_hands_every_committed_event_to_its_handler_in_order()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        await producer.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2));
        var recorder = new Recorder();

        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "reader", recorder.Record);
        await producer.AppendAsync(Events.Numbered("k", 3));

        var events = await recorder.WaitForCountAsync(3);
        Assert.Equal([1, 2, 3], events.Select(e => e.Number()));
        Assert.All(events, e => Assert.Equal("test.numbered", e.Type));
        Assert.Equal(events.Select(e => e.Position).Order(), events.Select(e => e.Position));
    }

    [Fact]
    public async Task A_wake_delay_holds_a_woken_consumer_back_so_one_pass_takes_several_commits()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var handledAt = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "patient", async (e, ct) =>
        {
            handledAt[e.Number()] = System.Diagnostics.Stopwatch.GetTimestamp();
            await recorder.Record(e, ct);
        }, options => options.WakeDelay = TimeSpan.FromMilliseconds(500));
        await producer.AppendAsync(Events.Numbered("k", 1));
        await recorder.WaitForCountAsync(1);

        await producer.AppendAsync(Events.Numbered("k", 2));
        await producer.AppendAsync(Events.Numbered("k", 3));
        await producer.AppendAsync(Events.Numbered("k", 4));
        var events = await recorder.WaitForCountAsync(4);

        Assert.Equal([1, 2, 3, 4], events.Select(e => e.Number()));
        // After its pass over event 1 the consumer waited before reading again (after a pass, or after being woken):
        // never sooner than the delay, however busy the machine; meanwhile the next commits arrived to be read together.
        var gap = System.Diagnostics.Stopwatch.GetElapsedTime(handledAt[1], handledAt[2]);
        Assert.True(gap >= TimeSpan.FromMilliseconds(490), $"event 2 handled {gap.TotalMilliseconds} ms after event 1");
    }

    [Fact]
    public async Task A_handler_that_throws_sees_the_event_again_and_the_consumer_keeps_going()
    {
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
        }, options => options.RetryDelay = TimeSpan.FromMilliseconds(20));
        await producer.AppendAsync(Events.Numbered("k", 1));
        await producer.AppendAsync(Events.Numbered("k", 2));

        var events = await recorder.WaitForCountAsync(3);
        Assert.Equal([1, 1, 2], events.Select(e => e.Number()));
    }

    [Fact]
    public async Task A_stopped_consumer_resumes_after_the_last_handled_event()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        await producer.AppendAsync([.. Enumerable.Range(1, 10).Select(n => Events.Numbered("k", n))]);
        var first = new Recorder();
        var second = new Recorder();

        // The first instance stops while its handler is inside event 5 of a batch of 10.
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstHost = await TestHost.StartConsumerAsync(connectionString, "resumer", async (e, ct) =>
        {
            await first.Record(e, ct);
            if (e.Number() == 5)
            {
                stuck.SetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
        });
        await stuck.Task.WaitAsync(Cancellation);
        await firstHost.DisposeAsync();

        await using var secondHost = await TestHost.StartConsumerAsync(connectionString, "resumer", second.Record);
        await producer.AppendAsync(Events.Numbered("k", 11));

        Assert.Equal([1, 2, 3, 4, 5], first.Events.Select(e => e.Number()));
        Assert.Equal([5, 6, 7, 8, 9, 10, 11], (await second.WaitForCountAsync(7)).Select(e => e.Number()));
    }

    [Fact]
    public async Task A_notification_wakes_the_consumer_long_before_the_poll_interval()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(
            connectionString, "listener", recorder.Record, options => options.PollInterval = TimeSpan.FromSeconds(30));
        // Handling a first event shows the consumer is up: its LISTEN precedes its first read.
        await producer.AppendAsync(Events.Numbered("k", 1));
        await recorder.WaitForCountAsync(1);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await producer.AppendAsync(Events.Numbered("k", 2));
        await recorder.WaitForCountAsync(2, TimeSpan.FromSeconds(10));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"Delivered after {stopwatch.Elapsed}; polling would take 30 s.");
    }

    [Fact]
    public async Task A_consumer_whose_listen_connection_is_killed_reconnects_and_listens_again()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "reconnecting", recorder.Record, options =>
        {
            options.PollInterval = TimeSpan.FromSeconds(30);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
        });
        await producer.AppendAsync(Events.Numbered("k", 1));
        await recorder.WaitForCountAsync(1);
        var listenerPid = await LeaderPidAsync(producer);

        await ExecuteAsync(producer, $"SELECT pg_terminate_backend({listenerPid})");
        await WaitUntilAsync(async () => await LeaderPidAsync(producer) is { } pid && pid != listenerPid);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await producer.AppendAsync(Events.Numbered("k", 2));

        await recorder.WaitForCountAsync(2, TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"Delivered after {stopwatch.Elapsed}; polling would take 30 s.");
    }

    [Fact]
    public async Task A_second_instance_stands_by_and_takes_over_when_the_first_stops()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var first = new Recorder();
        var second = new Recorder();
        Action<EventConsumerOptions> fast = options => options.PollInterval = TimeSpan.FromMilliseconds(100);
        var firstHost = await TestHost.StartConsumerAsync(connectionString, "billing", first.Record, fast);
        await producer.AppendAsync(Events.Numbered("k", 1));
        await first.WaitForCountAsync(1);

        await using var secondHost = await TestHost.StartConsumerAsync(connectionString, "billing", second.Record, fast);
        await producer.AppendAsync(Events.Numbered("k", 2));
        await first.WaitForCountAsync(2);
        await firstHost.DisposeAsync();
        await producer.AppendAsync(Events.Numbered("k", 3));

        Assert.Equal([3], (await second.WaitForCountAsync(1)).Select(e => e.Number()));
        Assert.Equal([1, 2], first.Events.Select(e => e.Number()));
    }

    [Fact]
    public async Task Consumers_with_different_names_each_see_every_event()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var billing = new Recorder();
        var search = new Recorder();
        await using var billingHost = await TestHost.StartConsumerAsync(connectionString, "billing", billing.Record);
        await using var searchHost = await TestHost.StartConsumerAsync(connectionString, "search", search.Record);

        await producer.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2));

        Assert.Equal([1, 2], (await billing.WaitForCountAsync(2)).Select(e => e.Number()));
        Assert.Equal([1, 2], (await search.WaitForCountAsync(2)).Select(e => e.Number()));
    }

    [Fact]
    public async Task Consumers_share_one_listen_connection_outside_the_pool_so_a_pool_of_one_serves_them_and_the_service()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumers = await StartTwoConsumersAsync(connectionString, recorder);
        await WaitUntilAsync(async () => await LeadsAsync(producer) is (2, _));
        Assert.Equal((2, 1), await LeadsAsync(producer)); // both leads on one session

        await producer.AppendAsync(Events.Numbered("k", 1));

        Assert.Equal([1, 1], (await recorder.WaitForCountAsync(2)).Select(e => e.Number()));
        await using var connection = await consumers.DataSource.OpenConnectionAsync(Cancellation);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task A_lost_listen_session_ends_every_lead_on_it_and_the_consumers_lead_again_on_a_new_one()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumers = await StartTwoConsumersAsync(connectionString, recorder);
        await WaitUntilAsync(async () => await LeadsAsync(producer) is (2, _));
        var sessionPid = await LeaderPidAsync(producer);

        await ExecuteAsync(producer, $"SELECT pg_terminate_backend({sessionPid})");
        await WaitUntilAsync(async () => await LeadsAsync(producer) is (2, 1) && await LeaderPidAsync(producer) != sessionPid);
        await producer.AppendAsync(Events.Numbered("k", 1));

        Assert.Equal([1, 1], (await recorder.WaitForCountAsync(2)).Select(e => e.Number()));
    }

    /// <summary>
    /// Consumers "billing" and "search" on a pool of one connection with a short wait for it (two listeners held from the
    /// pool would take it for good), polling too slowly for a test's wait: events reach them through the notification.
    /// </summary>
    private static Task<TestHost> StartTwoConsumersAsync(string connectionString, Recorder recorder)
    {
        var pooledOne = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1, Timeout = 3 }.ConnectionString;
        var builder = TestHost.CreateBuilder(pooledOne);
        builder.Services.AddSingleton<Func<EventRecord, CancellationToken, Task>>(recorder.Record);
        Action<EventConsumerOptions> notifiedOnly = options =>
        {
            options.PollInterval = TimeSpan.FromMinutes(1);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
        };
        builder.AddEventConsumer<TestHost.DelegatingHandler>("billing", notifiedOnly);
        builder.AddEventConsumer<TestHost.DelegatingHandler>("search", notifiedOnly);
        return TestHost.StartAsync(builder);
    }

    /// <summary>How many consumers lead, and on how many sessions (their advisory locks in pg_locks).</summary>
    private static async Task<(long Leads, long Sessions)> LeadsAsync(TestHost host)
    {
        await using var command = host.DataSource.CreateCommand(
            "SELECT count(*), count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        await reader.ReadAsync(Cancellation);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<int?> LeaderPidAsync(TestHost host)
    {
        await using var command = host.DataSource.CreateCommand(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        return (int?)await command.ExecuteScalarAsync(Cancellation);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        // Nothing signals a reconnect from outside the consumer; pg_locks is the observable state.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    private static async Task ExecuteAsync(TestHost host, string sql)
    {
        await using var command = host.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}

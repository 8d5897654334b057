using ChatPlatform.Billing.Ledger;
using ChatPlatform.Billing.Model;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Billing.Tests;

public sealed class LedgerTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly ModelPrice GptX = new(2.50m, 1.25m, 10.00m);

    [Fact]
    public async Task An_answer_is_one_entry_with_its_aggregate_and_a_redelivery_adds_nothing()
    {
        await using var router = await StartRouterAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var userId = Guid.NewGuid();
        var answer = Answers.Event(userId, cost: 0.00725m);

        await host.AppendAsync([answer]);
        await host.WaitForConsumersAsync();
        await RedeliverAsync(host, answer.Id);

        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM billing.ledger WHERE user_id = $1", userId));
        Assert.Equal("chat|complete|gpt-x|gpt-x-primary|openai|1000|200|500|f|router|0.0072500000|2026-12-01",
            await host.ScalarAsync("""
                SELECT concat_ws('|', source, status, model, deployment, provider, input_tokens, cached_input_tokens, output_tokens,
                    estimated, priced_by, cost_usd, (occurred_at AT TIME ZONE 'UTC')::date)
                FROM billing.ledger WHERE event_id = $1
                """, answer.Id));
        Assert.Equal("1|1000|200|500|0.0072500000", await host.ScalarAsync(
            "SELECT concat_ws('|', answers, input_tokens, cached_input_tokens, output_tokens, cost_usd) FROM billing.daily_usage WHERE user_id = $1", userId));
        Assert.Equal(0, router.Calls);
    }

    [Fact]
    public async Task An_answer_without_the_routers_figures_is_priced_from_the_catalog_and_marked_estimated()
    {
        await using var router = await StartRouterAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var userId = Guid.NewGuid();
        var stopped = Answers.Event(userId, deployment: UsageRecorded.UnknownDeployment, estimated: true, cost: 0m, status: "stopped");
        var interrupted = Answers.Event(userId, deployment: UsageRecorded.UnknownDeployment, estimated: true, cost: 0m, status: "interrupted",
            input: 3000, cached: 0, output: 7);
        var gone = Answers.Event(userId, model: "retired-model", deployment: UsageRecorded.UnknownDeployment, estimated: true, cost: 0m);

        await host.AppendAsync([stopped, interrupted, gone]);
        await host.WaitForConsumersAsync();

        // (800 x 2.50 + 200 x 1.25 + 500 x 10.00) / 1e6 and (3000 x 2.50 + 7 x 10.00) / 1e6.
        Assert.Equal("billing|t|2.5000000000|1.2500000000|10.0000000000|0.0072500000",
            await EntryPricingAsync(host, stopped.Id));
        Assert.Equal("billing|t|2.5000000000|1.2500000000|10.0000000000|0.0075700000",
            await EntryPricingAsync(host, interrupted.Id));
        Assert.Equal("unpriced|t|0.0000000000", await EntryPricingAsync(host, gone.Id));
        Assert.Equal(0.0148200000m, await host.ScalarAsync("SELECT sum(cost_usd) FROM billing.daily_usage WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task While_the_router_is_down_an_answer_to_price_waits_and_is_priced_once_it_answers()
    {
        await using var router = await StartRouterAsync();
        router.Down = true;
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router,
            new Dictionary<string, string> { ["Pricing:MissRefreshInterval"] = "00:00:00" });
        var userId = Guid.NewGuid();
        var stopped = Answers.Event(userId, deployment: UsageRecorded.UnknownDeployment, estimated: true, cost: 0m, status: "stopped");

        await host.AppendAsync([stopped]);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while (router.Calls < 3)
            {
                await Task.Delay(20, deadline.Token);
            }
        }
        var whileDown = await host.CountAsync("SELECT count(*) FROM billing.ledger");
        router.Down = false;
        await host.WaitForConsumersAsync();

        Assert.Equal(0, whileDown);
        Assert.Equal("billing|t|2.5000000000|1.2500000000|10.0000000000|0.0072500000", await EntryPricingAsync(host, stopped.Id));
    }

    [Fact]
    public async Task A_payload_that_cannot_be_an_answer_is_skipped_without_holding_back_the_next()
    {
        await using var router = await StartRouterAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var userId = Guid.NewGuid();
        var negative = Answers.Event(userId, input: -5);
        var cachedOverInput = Answers.Event(userId, input: 10, cached: 20);
        var notJson = EventToAppend.Create(UsageRecorded.EventType, userId.ToString(), new { userId = "nobody", costUsd = "lots" });
        var good = Answers.Event(userId);

        await host.AppendAsync([negative, cachedOverInput, notJson, good]);
        await host.WaitForConsumersAsync();

        Assert.Equal([good.Id], await IdsAsync(host, "SELECT event_id FROM billing.ledger"));
    }

    internal static async Task RedeliverAsync(BillingHost host, Guid eventId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var recorder = scope.ServiceProvider.GetRequiredService<UsageRecorder>();
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand("SELECT id, position, type, key, payload::text, created_at FROM events.events WHERE id = $1", connection)
        {
            Parameters = { new() { Value = eventId } },
        };
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        Assert.True(await reader.ReadAsync(Cancellation));
        var record = new EventRecord(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
            System.Text.Json.JsonDocument.Parse(reader.GetString(4)).RootElement, reader.GetFieldValue<DateTimeOffset>(5), null);
        await recorder.HandleAsync(record, Cancellation);
    }

    private static async Task<string?> EntryPricingAsync(BillingHost host, Guid eventId) => (string?)await host.ScalarAsync("""
        SELECT concat_ws('|', priced_by, estimated, input_per_million, cached_input_per_million, output_per_million, cost_usd)
        FROM billing.ledger WHERE event_id = $1
        """, eventId);

    private static async Task<List<Guid>> IdsAsync(BillingHost host, string sql)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(Cancellation))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private static async Task<FakeModelRouter> StartRouterAsync()
    {
        var router = await FakeModelRouter.StartAsync();
        router.Prices["gpt-x"] = GptX;
        return router;
    }
}

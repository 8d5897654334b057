using System.Net.Http.Json;
using ChatPlatform.Billing.Apis;
using ChatPlatform.Billing.Ledger;
using ChatPlatform.Billing.Model;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;

namespace ChatPlatform.Billing.Tests;

/// <summary>
/// The ledger against the providers' own figures: random answers of every kind, each recorded as chat or the gateway
/// records it from what its provider reported (or, without a report, from the estimate), committed through the real
/// event log; then redeliveries and a replay of the whole log from the start. The ledger must match to the token and
/// exactly in dollars (numeric, so to the cent and below), with no entry twice.
/// </summary>
public sealed class ExactnessTests(PostgresFixture postgres, RedisFixture redis)
{
    private const int Turns = 1_000;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly ModelPrice Primary = new(2.50m, 1.25m, 10.00m);
    private static readonly ModelPrice Secondary = new(3.00m, 0.30m, 15.00m);
    private static readonly ModelPrice Mini = new(0.15m, 0.075m, 0.60m);

    // What the router lists: per kind of token the dearest deployment (gpt-x has two).
    private static readonly ModelPrice GptXListed = new(3.00m, 1.25m, 15.00m);

    private enum Kind { Streamed, NotStreamed, Stopped, FailedOverBeforeFirstToken, FailedMidStream, KilledAndSwept }

    [Fact]
    public async Task A_thousand_random_answers_then_a_replay_match_the_providers_usage_to_the_token_and_the_cent()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        await using var router = await FakeModelRouter.StartAsync();
        router.Prices["gpt-x"] = GptXListed;
        router.Prices["mini"] = Mini;
        var random = new Random(20261206);
        var users = Enumerable.Range(0, 25).Select(_ => Guid.NewGuid()).ToArray();
        var expected = new Dictionary<Guid, (long Input, long Cached, long Output, decimal Cost, int Answers)>();
        var kinds = new Dictionary<Kind, int>();
        var events = new List<EventToAppend>();
        for (var i = 0; i < Turns; i++)
        {
            var (e, input, cached, output, cost, kind) = RandomAnswer(random, users[random.Next(users.Length)]);
            events.Add(e);
            var userId = users.Single(u => u.ToString() == e.Key);
            var sum = expected.GetValueOrDefault(userId);
            expected[userId] = (sum.Input + input, sum.Cached + cached, sum.Output + output, sum.Cost + cost, sum.Answers + 1);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        Assert.All(Enum.GetValues<Kind>(), k => Assert.True(kinds.GetValueOrDefault(k) > 50, $"{k}: {kinds.GetValueOrDefault(k)}"));

        await using (var host = BillingHost.Start(database, redis.ConnectionString, router))
        {
            // Each answer commits on its own, as chat and the gateway commit them, from several writers at once.
            await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancellation },
                async (e, _) => await host.AppendAsync([e]));
            await host.WaitForConsumersAsync();
            // A consumer that crashed after writing but before saving its offset delivers again.
            foreach (var e in events.Where((_, i) => i % 10 == 0))
            {
                await LedgerTests.RedeliverAsync(host, e.Id);
            }
            await AssertMatchesAsync(host, expected);
        }

        // The whole log again from the start, as after restoring the offsets from an old backup.
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync(Cancellation);
            await using var reset = new Npgsql.NpgsqlCommand("UPDATE events.consumer_offsets SET position = 0 WHERE consumer LIKE 'billing-ledger-%'", connection);
            Assert.Equal(2, await reset.ExecuteNonQueryAsync(Cancellation));
        }
        await using (var replayed = BillingHost.Start(database, redis.ConnectionString, router))
        {
            await replayed.WaitForConsumersAsync();
            await AssertMatchesAsync(replayed, expected);
        }
    }

    private static async Task AssertMatchesAsync(BillingHost host, Dictionary<Guid, (long Input, long Cached, long Output, decimal Cost, int Answers)> expected)
    {
        Assert.Equal(Turns, await host.CountAsync("SELECT count(*) FROM billing.ledger"));
        Assert.Equal(Turns, await host.CountAsync("SELECT count(DISTINCT event_id) FROM billing.ledger"));
        Assert.Equal(Turns, await host.CountAsync("SELECT sum(answers) FROM billing.daily_usage"));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.ledger WHERE priced_by = 'unpriced'"));
        var admin = host.AdminClient();
        var summary = await admin.GetFromJsonAsync<UsageSummary>("/v1/admin/usage/summary?from=2026-11-01&to=2026-12-31", Cancellation);
        Assert.Equal(
            (Turns, expected.Values.Sum(v => v.Input), expected.Values.Sum(v => v.Cached), expected.Values.Sum(v => v.Output), expected.Values.Sum(v => v.Cost)),
            (summary!.Answers, summary.InputTokens, summary.CachedInputTokens, summary.OutputTokens, summary.CostUsd));
        Assert.Equal(expected.Values.Sum(v => v.Cost), await host.ScalarAsync("SELECT sum(cost_usd) FROM billing.ledger"));
        foreach (var (userId, sums) in expected)
        {
            var mine = await host.ClientFor(userId).GetFromJsonAsync<UsageReport>("/v1/usage?from=2026-11-01&to=2026-12-31&groupBy=model", Cancellation);
            Assert.Equal((sums.Answers, sums.Input, sums.Cached, sums.Output, sums.Cost),
                (mine!.Total.Answers, mine.Total.InputTokens, mine.Total.CachedInputTokens, mine.Total.OutputTokens, mine.Total.CostUsd));
            Assert.Equal(sums.Cost, mine.Rows.Sum(r => r.CostUsd));
        }
    }

    /// <summary>
    /// One answer: what the provider reported (or, without a report, the estimate chat or the router made), how the
    /// turn ended, and what the event says; plus what the ledger must bill for it.
    /// </summary>
    private static (EventToAppend Event, long Input, long Cached, long Output, decimal Cost, Kind Kind) RandomAnswer(Random random, Guid userId)
    {
        var kind = (Kind)random.Next(Enum.GetValues<Kind>().Length);
        var mini = random.Next(4) == 0;
        var model = mini ? "mini" : "gpt-x";
        var input = (long)random.Next(1, 200_000);
        var cached = random.Next(3) == 0 ? (long)random.Next(0, (int)input + 1) : 0;
        var output = (long)random.Next(0, 16_000);
        var day = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(15)).AddSeconds(random.Next(86_400));
        var served = mini ? Mini : kind == Kind.FailedOverBeforeFirstToken ? Secondary : Primary;
        var deployment = mini ? "mini-1" : kind == Kind.FailedOverBeforeFirstToken ? "gpt-x-secondary" : "gpt-x-primary";
        switch (kind)
        {
            case Kind.Stopped or Kind.KilledAndSwept:
                {
                    // No router figures: chat's own estimate, priced by billing at the model's listed price.
                    var listed = mini ? Mini : GptXListed;
                    var e = Answers.Event(userId, model, UsageRecorded.UnknownDeployment, input, cached, output, estimated: true, cost: 0m, at: day,
                        status: kind == Kind.Stopped ? "stopped" : "interrupted");
                    return (e, input, cached, output, listed.CostOf(input, cached, output), kind);
                }
            case Kind.FailedMidStream:
                {
                    // The provider died before its usage: the router estimated and priced the deployment that served it.
                    var cost = served.CostOf(input, cached, output);
                    var e = Answers.Event(userId, model, deployment, input, cached, output, estimated: true, cost: cost, at: day, status: "failed");
                    return (e, input, cached, output, cost, kind);
                }
            default:
                {
                    var cost = served.CostOf(input, cached, output);
                    var e = Answers.Event(userId, model, deployment, input, cached, output, estimated: false, cost: cost, at: day,
                        source: kind == Kind.NotStreamed ? "api" : "chat");
                    return (e, input, cached, output, cost, kind);
                }
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Billing.Apis;
using ChatPlatform.Billing.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Billing.Tests;

public sealed class UsageApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static DateTimeOffset Day(int day, int hour = 12) => new(2026, 12, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_user_sees_their_own_usage_by_day_and_by_model_and_nobody_elses()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        await host.AppendAsync(
        [
            Answers.Event(me, model: "gpt-x", input: 100, cached: 0, output: 10, cost: 0.25m, at: Day(1, 0)),
            Answers.Event(me, model: "mini", input: 200, cached: 50, output: 20, cost: 0.125m, at: Day(1, 23)),
            Answers.Event(me, model: "gpt-x", input: 300, cached: 0, output: 30, cost: 1.5m, at: Day(3)),
            Answers.Event(me, model: "gpt-x", input: 1, cached: 0, output: 1, cost: 9m, at: Day(5)),
            Answers.Event(other, model: "gpt-x", input: 5000, cached: 0, output: 500, cost: 70m, at: Day(1)),
        ]);
        await host.WaitForConsumersAsync();
        var client = host.ClientFor(me);

        var byDay = await client.GetFromJsonAsync<UsageReport>("/v1/usage?from=2026-12-01&to=2026-12-03&groupBy=day", Cancellation);
        var byModel = await client.GetFromJsonAsync<UsageReport>("/v1/usage?from=2026-12-01&to=2026-12-03&groupBy=model", Cancellation);
        var forged = await client.GetFromJsonAsync<UsageReport>($"/v1/usage?from=2026-12-01&to=2026-12-03&userId={other}", Cancellation);

        Assert.Equal([new UsageRow("2026-12-01", 2, 300, 50, 30, 0.375m), new UsageRow("2026-12-03", 1, 300, 0, 30, 1.5m)], byDay!.Rows);
        Assert.Equal(new UsageTotals(3, 600, 50, 60, 1.875m), byDay.Total);
        Assert.Equal([new UsageRow("gpt-x", 2, 400, 0, 40, 1.75m), new UsageRow("mini", 1, 200, 50, 20, 0.125m)], byModel!.Rows);
        Assert.Equal(byDay.Total, forged!.Total);
    }

    [Theory]
    [InlineData("from=2026-12-05&to=2026-12-01", "from")]
    [InlineData("from=2025-01-01&to=2026-12-01", "to")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-12-01T00:00:00Z", "from")]
    [InlineData("groupBy=user", "groupBy")]
    [InlineData("groupBy=day;DROP TABLE billing.ledger", "groupBy")]
    public async Task A_bad_range_or_grouping_is_a_400_naming_the_parameter(string query, string parameter)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);

        var response = await host.ClientFor(Guid.NewGuid()).GetAsync($"/v1/usage?{query}", Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation);
        Assert.NotNull(problem!["errors"]![parameter]);
    }

    [Fact]
    public async Task Usage_needs_a_user_and_admin_usage_needs_an_admin()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var user = host.ClientFor(Guid.NewGuid());
        var service = host.ClientWith(InternalTokens.Mint("service"));
        var forged = host.ClientWith(InternalTokens.Mint("admin", Guid.NewGuid(), key: Convert.ToBase64String(new byte[32])));

        var statuses = new[]
        {
            (await host.ClientWith(null).GetAsync("/v1/usage", Cancellation)).StatusCode,
            (await service.GetAsync("/v1/usage", Cancellation)).StatusCode,
            (await user.GetAsync("/v1/admin/usage", Cancellation)).StatusCode,
            (await user.GetAsync("/v1/admin/usage/summary", Cancellation)).StatusCode,
            (await user.GetAsync("/v1/admin/usage/export.csv", Cancellation)).StatusCode,
            (await service.GetAsync("/v1/admin/usage/summary", Cancellation)).StatusCode,
            (await forged.GetAsync("/v1/admin/usage/summary", Cancellation)).StatusCode,
        };

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden,
            HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized], statuses);
    }

    [Fact]
    public async Task Admins_see_everyone_by_user_paged_by_spend_a_summary_and_one_users_usage()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var users = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        await host.AppendAsync([.. users.Select((u, i) => Answers.Event(u, input: 10, cached: 0, output: 1, cost: i + 1m, at: Day(2)))]);
        await host.AppendAsync([Answers.Event(users[0], cost: 0.5m, at: Day(4))]);
        await host.WaitForConsumersAsync();
        var admin = host.AdminClient();

        var first = await admin.GetFromJsonAsync<UsageReport>("/v1/admin/usage?from=2026-12-01&to=2026-12-06&groupBy=user&limit=2", Cancellation);
        var second = await admin.GetFromJsonAsync<UsageReport>($"/v1/admin/usage?from=2026-12-01&to=2026-12-06&groupBy=user&limit=2&offset={first!.NextOffset}", Cancellation);
        var last = await admin.GetFromJsonAsync<UsageReport>($"/v1/admin/usage?from=2026-12-01&to=2026-12-06&groupBy=user&limit=2&offset={second!.NextOffset}", Cancellation);
        var summary = await admin.GetFromJsonAsync<UsageSummary>("/v1/admin/usage/summary?from=2026-12-02&to=2026-12-02", Cancellation);
        var one = await admin.GetFromJsonAsync<UsageReport>($"/v1/admin/usage?from=2026-12-01&to=2026-12-06&userId={users[0]}", Cancellation);
        var badUser = await admin.GetAsync("/v1/admin/usage?userId=me", Cancellation);
        var badLimit = await admin.GetAsync("/v1/admin/usage?groupBy=user&limit=100000", Cancellation);

        Assert.Equal([users[4].ToString(), users[3].ToString()], first.Rows.Select(r => r.Key));
        Assert.Equal([users[2].ToString(), users[1].ToString()], second.Rows.Select(r => r.Key));
        Assert.Equal([users[0].ToString()], last!.Rows.Select(r => r.Key));
        Assert.Equal((2, 4, (int?)null), (first.NextOffset, second.NextOffset, last.NextOffset));
        Assert.Equal(1.5m, last.Rows[0].CostUsd);
        Assert.Equal(new UsageSummary(new DateOnly(2026, 12, 2), new DateOnly(2026, 12, 2), 5, 50, 0, 5, 15m), summary);
        Assert.Equal(["2026-12-02", "2026-12-04"], one!.Rows.Select(r => r.Key));
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], [badUser.StatusCode, badLimit.StatusCode]);
    }

    [Fact]
    public async Task The_export_streams_every_entry_of_the_range_as_csv_with_formulas_neutralised()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var userId = Guid.NewGuid();
        var formula = Answers.Event(userId, model: "=HYPERLINK(\"http://evil.example\",\"x\")", deployment: "+cmd|' /C calc'!A0", provider: "@SUM(1,2)",
            cost: 0.1m, at: Day(2, 8));
        var plain = Answers.Event(userId, cost: 0.2m, at: Day(2, 9));
        var outside = Answers.Event(userId, cost: 0.3m, at: Day(4));
        await host.AppendAsync([formula, plain, outside]);
        await host.WaitForConsumersAsync();

        var response = await host.AdminClient().GetAsync("/v1/admin/usage/export.csv?from=2026-12-01&to=2026-12-03", Cancellation);
        var lines = (await response.Content.ReadAsStringAsync(Cancellation)).Split("\r\n");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("usage-2026-12-01-2026-12-03.csv", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal(4, lines.Length);
        Assert.Equal(Ledger.LedgerExport.Header, lines[0]);
        Assert.Equal("", lines[3]);
        Assert.Contains(formula.Id.ToString(), lines[1], StringComparison.Ordinal);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'+cmd|' /C calc'!A0,\"'@SUM(1,2)\",", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("2026-12-02T09:00:00.000000Z," + plain.Id, lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",1000,200,500,false,router,0.2,", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(outside.Id.ToString(), string.Join('\n', lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_exports_every_ledger_entry_of_theirs_and_none_of_anyone_elses()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var (userId, otherId) = (Guid.NewGuid(), Guid.NewGuid());
        var old = Answers.Event(userId, cost: 0.1m, at: Day(2, 8).AddDays(-400));
        var recent = Answers.Event(userId, cost: 0.2m, at: Day(2, 9));
        var others = Answers.Event(otherId, cost: 0.3m, at: Day(2, 10));
        await host.AppendAsync([old, recent, others]);
        await host.WaitForConsumersAsync();

        var response = await host.ClientFor(userId).GetAsync("/v1/usage/export.csv", Cancellation);
        var lines = (await response.Content.ReadAsStringAsync(Cancellation)).Split("\r\n");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Ledger.LedgerExport.Header, lines[0]);
        Assert.Equal("", lines[3]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(old.Id.ToString(), lines[1], StringComparison.Ordinal);
        Assert.Contains(recent.Id.ToString(), lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(otherId.ToString(), string.Join('\n', lines), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.ClientWith(null).GetAsync("/v1/usage/export.csv", Cancellation)).StatusCode);
    }
}

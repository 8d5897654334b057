using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Billing.Quotas;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatPlatform.Billing.Tests;

/// <summary>docs/usage.md "Quotas": billing settles holds, shows quotas, keeps overrides and rebuilds lost counters.</summary>
public sealed class QuotaTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> Limits = new()
    {
        ["Quotas:Tiers:free:Daily:Tokens"] = "100000",
        ["Quotas:Tiers:free:Daily:CostUsd"] = "2",
        ["Quotas:Tiers:free:Models:gpt-x:Monthly:CostUsd"] = "5",
    };

    [Fact]
    public async Task A_recorded_answer_settles_its_hold_to_its_real_figures_and_usage_shows_used_against_limits()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router, Limits);
        var gate = host.Services.GetRequiredService<QuotaGate>();
        var user = Guid.NewGuid();
        var reserved = Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(user, null, "gpt-x", 5_000, 1.5m));
        var day = QuotaWindow.For(user, "gpt-x", DateTimeOffset.UtcNow)[0];
        Assert.Equal(5_000, (await gate.HeldAsync(day)).Tokens);

        await host.AppendAsync([Answers.Event(user, input: 1000, cached: 0, output: 500, cost: 0.75m, at: DateTimeOffset.UtcNow, reservationId: reserved.ReservationId)]);
        await host.WaitForConsumersAsync();

        Assert.Equal((0L, 0m), await gate.HeldAsync(day));
        using var connection = RedisConnection.Connect(redis.ConnectionString);
        var db = connection.GetDatabase();
        Assert.Equal(1_500, (long)await db.HashGetAsync(day.Key, "t"));
        Assert.Equal(750_000, (long)await db.HashGetAsync(day.Key, "c"));
        // 0.75 used of 2: a worst case of 1.5 no longer fits.
        Assert.Equal("daily-cost", Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(user, null, "gpt-x", 10, 1.5m)).Quota.Quota);

        var usage = await host.ClientFor(user).GetFromJsonAsync<JsonObject>("/v1/usage", Cancellation);
        var quotas = usage!["quotas"]!.AsArray().Select(q => q!.AsObject()).ToDictionary(q => (string)q["name"]!);
        // The monthly ones are the built-in free tier's.
        Assert.Equal(["daily-cost", "daily-tokens", "model-monthly-cost", "monthly-cost", "monthly-tokens"], quotas.Keys.Order(StringComparer.Ordinal));
        var cost = quotas["daily-cost"];
        Assert.Equal(("day", "usd", 2m, 0.75m, 0m), ((string)cost["window"]!, (string)cost["unit"]!, (decimal)cost["limit"]!, (decimal)cost["used"]!, (decimal)cost["held"]!));
        Assert.Null(cost["model"]);
        Assert.EndsWith("T00:00:00Z", (string)cost["resetsAt"]!, StringComparison.Ordinal);
        Assert.Equal((100_000m, 1_500m), ((decimal)quotas["daily-tokens"]["limit"]!, (decimal)quotas["daily-tokens"]["used"]!));
        Assert.Equal(("month", "gpt-x", 5m, 0.75m), ((string)quotas["model-monthly-cost"]["window"]!, (string?)quotas["model-monthly-cost"]["model"], (decimal)quotas["model-monthly-cost"]["limit"]!, (decimal)quotas["model-monthly-cost"]["used"]!));
    }

    [Fact]
    public async Task An_admin_sets_a_users_overrides_audited_and_enforced_and_null_gives_back_the_tiers()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router, Limits);
        var gate = host.Services.GetRequiredService<QuotaGate>();
        var user = Guid.NewGuid();
        using var admin = host.AdminClient();

        var empty = await admin.GetFromJsonAsync<JsonObject>($"/v1/admin/users/{user}/quotas", Cancellation);
        using var put = await admin.PutAsJsonAsync($"/v1/admin/users/{user}/quotas",
            JsonNode.Parse("""{"overrides": {"daily": {"tokens": 50, "costUsd": null}, "monthly": {"tokens": null, "costUsd": 12.5}}}"""), Cancellation);
        var stored = await admin.GetFromJsonAsync<JsonObject>($"/v1/admin/users/{user}/quotas", Cancellation);

        Assert.Null(empty!["overrides"]!["daily"]!["tokens"]);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(50, (long)stored!["overrides"]!["daily"]!["tokens"]!);
        Assert.Equal(12.5m, (decimal)stored["overrides"]!["monthly"]!["costUsd"]!);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM billing.admin_audit WHERE entity = 'quota_overrides' AND entity_id = $1 AND action = 'create' AND before IS NULL AND (after->'daily'->>'tokens')::int = 50",
            user.ToString()));
        var refused = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(user, null, "gpt-x", 60, 0m));
        Assert.Equal(("daily-tokens", 50m), (refused.Quota.Quota, refused.Quota.Limit));
        var usage = await host.ClientFor(user).GetFromJsonAsync<JsonObject>("/v1/usage", Cancellation);
        Assert.Contains(usage!["quotas"]!.AsArray(), q => (string)q!["name"]! == "monthly-cost" && (decimal)q["limit"]! == 12.5m);

        using var cleared = await admin.PutAsJsonAsync($"/v1/admin/users/{user}/quotas",
            JsonNode.Parse("""{"overrides": {"daily": {"tokens": null, "costUsd": null}, "monthly": {"tokens": null, "costUsd": null}}}"""), Cancellation);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(user, null, "gpt-x", 60, 0m));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM billing.admin_audit WHERE entity_id = $1 AND action = 'delete' AND after IS NULL", user.ToString()));
        // Read by the gateway into the console's audit log: newest first, a page at a time.
        var audit = await admin.GetFromJsonAsync<JsonObject>("/v1/admin/audit?limit=1", Cancellation);
        var newest = Assert.Single(audit!["items"]!.AsArray());
        Assert.Equal(("delete", "quota_overrides", user.ToString()), ((string)newest!["action"]!, (string)newest["entity"]!, (string)newest["entityId"]!));
        var older = await admin.GetFromJsonAsync<JsonObject>($"/v1/admin/audit?limit=1&before={(long)audit["next"]!}", Cancellation);
        Assert.Equal("create", (string)older!["items"]![0]!["action"]!);
    }

    [Theory]
    [InlineData("""{"overrides": {"daily": {"tokens": -1}}}""", "overrides.daily.tokens")]
    [InlineData("""{"overrides": {"monthly": {"costUsd": -0.01}}}""", "overrides.monthly.costUsd")]
    [InlineData("""{"overrides": {"daily": {"tokens": 1000000000000000}}}""", "overrides.daily.tokens")]
    [InlineData("""{"overrides": {"daily": {"costUsd": 1e9}}}""", "overrides.daily.costUsd")]
    [InlineData("""{"overrides": {"daily": {"costUsd": 0.0000001}}}""", "overrides.daily.costUsd")]
    [InlineData("""{}""", "overrides")]
    public async Task Bad_overrides_are_a_400_naming_the_field_and_change_nothing(string body, string field)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var user = Guid.NewGuid();

        using var response = await host.AdminClient().PutAsync($"/v1/admin/users/{user}/quotas",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation);
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.quota_overrides"));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.admin_audit"));
    }

    [Fact]
    public async Task Only_an_admin_reads_or_sets_overrides()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var user = Guid.NewGuid();
        using var self = host.ClientFor(user);

        using var read = await self.GetAsync($"/v1/admin/users/{user}/quotas", Cancellation);
        using var write = await self.PutAsJsonAsync($"/v1/admin/users/{user}/quotas",
            JsonNode.Parse("""{"overrides": {"daily": {"tokens": 1000000}}}"""), Cancellation);
        using var anonymous = await host.ClientWith(null).GetAsync($"/v1/admin/users/{user}/quotas", Cancellation);
        using var audit = await self.GetAsync("/v1/admin/audit", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.quota_overrides"));
    }

    [Fact]
    public async Task Counters_and_overrides_redis_lost_are_rebuilt_from_the_ledger()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router, Limits);
        var gate = host.Services.GetRequiredService<QuotaGate>();
        var user = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await host.AppendAsync(
        [
            Answers.Event(user, input: 400, cached: 0, output: 100, cost: 0.5m, at: now),
            Answers.Event(user, model: "mini", input: 40, cached: 0, output: 10, cost: 0.25m, at: now),
        ]);
        await host.WaitForConsumersAsync();
        using var admin = host.AdminClient();
        (await admin.PutAsJsonAsync($"/v1/admin/users/{user}/quotas", JsonNode.Parse("""{"overrides": {"daily": {"costUsd": 1}}}"""), Cancellation)).EnsureSuccessStatusCode();
        var windows = QuotaWindow.For(user, "gpt-x", now);
        using var connection = RedisConnection.Connect(redis.ConnectionString);
        var db = connection.GetDatabase();
        await db.KeyDeleteAsync([.. windows.Select(w => (RedisKey)w.Key), QuotaWindow.UserPrefix(user) + ":overrides", QuotaRebuilder.MarkerKey]);
        Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(user, null, "gpt-x", 1, 0.3m));

        await host.Services.GetRequiredService<QuotaRebuilder>().CheckAsync(Cancellation);

        Assert.Equal(550, (long)await db.HashGetAsync(windows[0].Key, "t"));
        Assert.Equal(500, (long)await db.HashGetAsync(windows[2].Key, "t"));
        Assert.True(await db.KeyExistsAsync(QuotaRebuilder.MarkerKey));
        // 0.75 used and 0.3 held of the override's $1: a cent more does not fit.
        var refused = Assert.IsType<ReserveResult.Refused>(await gate.ReserveAsync(user, null, "gpt-x", 1, 0.01m));
        Assert.Equal(("daily-cost", 1m), (refused.Quota.Quota, refused.Quota.Limit));
    }
}

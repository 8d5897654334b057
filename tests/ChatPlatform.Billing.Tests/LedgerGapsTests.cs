using System.Net.Http.Json;
using ChatPlatform.Billing.Apis;
using ChatPlatform.Billing.Model;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;

namespace ChatPlatform.Billing.Tests;

/// <summary>The model calls beside answers (titles, file embeddings) and what an account's deletion leaves of its usage.</summary>
public sealed class LedgerGapsTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Titles_and_file_embeddings_are_entries_counted_by_the_usage_reads_and_the_export()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var userId = Guid.NewGuid();
        var conversationId = Guid.NewGuid();
        var fileId = Guid.NewGuid();
        var title = Title(userId, conversationId, cost: 0.0001m);
        var embedding = Embedding(userId, fileId, cost: 0.00002m);
        var answer = Answers.Event(userId, cost: 0.003m, at: At);

        await host.AppendAsync([title, embedding, answer]);
        await host.WaitForConsumersAsync();
        var mine = await host.ClientFor(userId).GetFromJsonAsync<UsageReport>("/v1/usage?from=2026-12-01&to=2026-12-03&groupBy=model", Cancellation);
        var everyone = await host.AdminClient().GetFromJsonAsync<UsageSummary>("/v1/admin/usage/summary?from=2026-12-02&to=2026-12-02", Cancellation);
        var csv = await host.AdminClient().GetStringAsync("/v1/admin/usage/export.csv?from=2026-12-02&to=2026-12-02", Cancellation);

        Assert.Equal("title|" + conversationId + "|-|complete|0.0001000000", await host.ScalarAsync(
            "SELECT concat_ws('|', source, conversation_id, coalesce(message_id::text, '-'), status, cost_usd) FROM billing.ledger WHERE event_id = $1",
            title.Id));
        Assert.Equal("embedding|" + fileId + "|0.0000200000", await host.ScalarAsync(
            "SELECT concat_ws('|', source, file_id, cost_usd) FROM billing.ledger WHERE event_id = $1", embedding.Id));
        Assert.Equal(3, mine!.Total.Answers);
        Assert.Equal(0.00312m, mine.Total.CostUsd);
        Assert.Equal(["gpt-x", "text-embedding-3-small"], mine.Rows.Select(r => r.Key));
        Assert.Equal((3L, 0.00312m), (everyone!.Answers, everyone.CostUsd));
        Assert.Contains(",embedding,,,,complete,text-embedding-3-small,", csv, StringComparison.Ordinal);
        Assert.Contains("," + fileId + "\r\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_account_leaves_its_money_in_the_totals_and_nothing_that_leads_to_it()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = BillingHost.Start(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, router);
        var leaving = Guid.NewGuid();
        var staying = Guid.NewGuid();
        await host.AppendAsync([
            Answers.Event(leaving, cost: 1.25m, at: At), Answers.Event(leaving, source: "api", cost: 0.5m, at: At),
            Embedding(leaving, Guid.NewGuid(), cost: 0.01m), Answers.Event(staying, cost: 2m, at: At)]);
        await host.WaitForConsumersAsync();
        var admin = host.AdminClient();
        const string ByUser = "/v1/admin/usage?from=2026-12-01&to=2026-12-03&groupBy=user";
        const string ByModel = "/v1/admin/usage?from=2026-12-01&to=2026-12-03&groupBy=model";
        var before = (await admin.GetFromJsonAsync<UsageReport>(ByUser, Cancellation))!;
        var modelsBefore = (await admin.GetFromJsonAsync<UsageReport>(ByModel, Cancellation))!;

        var deleted = AccountDeleted(leaving);
        // An answer still streaming when the account went ends after the deletion.
        var late = Answers.Event(leaving, cost: 0.25m, at: At);
        await host.AppendAsync([deleted, late]);
        await host.WaitForConsumersAsync();
        await LedgerTests.RedeliverAsync(host, deleted.Id);
        var after = (await admin.GetFromJsonAsync<UsageReport>(ByUser, Cancellation))!;
        var modelsAfter = (await admin.GetFromJsonAsync<UsageReport>(ByModel, Cancellation))!;
        var theirs = (await host.ClientFor(leaving).GetFromJsonAsync<UsageReport>("/v1/usage?from=2026-12-01&to=2026-12-03", Cancellation))!;

        Assert.Contains(before.Rows, r => r.Key == leaving.ToString());
        Assert.DoesNotContain(after.Rows, r => r.Key == leaving.ToString());
        Assert.Equal((4L, 3.76m), (before.Total.Answers, before.Total.CostUsd));
        Assert.Equal(modelsBefore.Total, before.Total);
        // The answer that ended after the deletion is counted too, and the per-user rows still add up to everyone's.
        Assert.Equal((5L, 4.01m), (after.Total.Answers, after.Total.CostUsd));
        Assert.Equal(modelsAfter.Total, after.Total);
        Assert.Equal(after.Total.CostUsd, after.Rows.Sum(r => r.CostUsd));
        Assert.Equal(after.Total.Answers, after.Rows.Sum(r => r.Answers));
        Assert.Equal(0, theirs.Total.Answers);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.ledger WHERE user_id = $1", leaving));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM billing.daily_usage WHERE user_id = $1", leaving));
        Assert.Equal(0, await host.CountAsync("""
            SELECT count(*) FROM billing.ledger
            WHERE user_id <> $1 AND (conversation_id IS NOT NULL OR message_id IS NOT NULL OR api_key_id IS NOT NULL OR file_id IS NOT NULL)
            """, staying));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM billing.ledger WHERE user_id = $1 AND conversation_id IS NOT NULL", staying));
        Assert.Equal(3, await host.CountAsync("SELECT entries FROM billing.deleted_accounts WHERE user_id = $1", leaving));
        Assert.Equal(2m, after.Rows.Single(r => r.Key == staying.ToString()).CostUsd);
    }

    internal static EventToAppend Title(Guid userId, Guid conversationId, decimal cost) =>
        EventToAppend.Create(UsageRecorded.EventType, userId.ToString(), new
        {
            userId, source = "title", conversationId, status = "complete", model = "gpt-x", deployment = "gpt-x-primary", provider = "openai",
            inputTokens = 40, cachedInputTokens = 0, outputTokens = 6, estimated = false, costUsd = cost, timeToFirstTokenMs = 90,
            durationMs = 300, occurredAt = At,
        });

    internal static EventToAppend Embedding(Guid userId, Guid fileId, decimal cost) =>
        EventToAppend.Create(UsageRecorded.EventType, userId.ToString(), new
        {
            userId, source = "embedding", fileId, status = "complete", model = "text-embedding-3-small", deployment = "emb-primary",
            provider = "openai", inputTokens = 1000, cachedInputTokens = 0, outputTokens = 0, estimated = false, costUsd = cost,
            timeToFirstTokenMs = 0, durationMs = 800, occurredAt = At,
        });

    private static EventToAppend AccountDeleted(Guid userId) =>
        EventToAppend.Create(Accounts.AccountDeletions.AccountDeletedEvent, userId.ToString(), new { userId });
}

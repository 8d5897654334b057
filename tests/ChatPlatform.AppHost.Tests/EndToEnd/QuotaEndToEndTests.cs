using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.AppHost.Tests.Hardening;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// docs/usage.md "Quotas" through the real processes: an admin's override (gateway → billing → Redis), chat's
/// reservation, billing's settle from the usage event, and the user's view of it in <c>GET /v1/usage</c>.
/// </summary>
[Collection(nameof(OwnPlatformCollection))]
public sealed class QuotaEndToEndTests
{
    private const string AdminEmail = "quota-admin@example.com";
    private const string Question = "Hello";

    [Fact]
    public async Task A_user_with_a_tiny_override_gets_one_answer_then_429_naming_the_quota_and_usage_shows_used_against_limit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(ct, $"--Auth:AdminEmail={AdminEmail}");
        using var admin = await GatewayUser.RegisterAsync(platform, ct, AdminEmail);
        using var user = await GatewayUser.RegisterAsync(platform, ct);
        var userId = (await user.Client.GetFromJsonAsync<JsonElement>("/v1/me", ct)).GetProperty("id").GetGuid();
        // Room for exactly one answer's worst case (the question at 4 characters a token, plus the output chat asks for)
        // and 5 tokens more: the first answer fits; once it is counted, another worst case does not.
        var models = await user.Client.GetFromJsonAsync<JsonElement>("/v1/models", ct);
        var model = models.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == GatewayUser.FastModel);
        var maxOutput = Math.Min(model.GetProperty("max_output_tokens").GetInt64(), model.GetProperty("context_window").GetInt64() / 2);
        var limit = ((Question.Length + 3) / 4) + maxOutput + 5;
        using var set = await admin.Client.PutAsJsonAsync($"/v1/admin/users/{userId}/quotas",
            new { overrides = new { daily = new { tokens = limit, costUsd = (decimal?)null }, monthly = new { tokens = (long?)null, costUsd = (decimal?)null } } }, ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        // The change is in the console's one audit log, newest, as billing's.
        var audit = await admin.Client.GetFromJsonAsync<JsonElement>("/v1/admin/audit", ct);
        var entry = audit.GetProperty("items").EnumerateArray().First();
        Assert.Equal(("billing", "quota_overrides", userId.ToString()),
            (entry.GetProperty("service").GetString(), entry.GetProperty("entity").GetString(), entry.GetProperty("entityId").GetString()));
        var conversation = await user.CreateConversationAsync(GatewayUser.FastModel, ct);

        using var first = await user.StartTurnAsync(conversation, Question, ct);
        using var stream = new SseStream(await first.Content.ReadAsStreamAsync(ct));
        var events = await stream.ReadToEndAsync(ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("done", events[^1].Type);
        using var second = await user.StartTurnAsync(conversation, Question, ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter?.Delta);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("https://chatplatform.dev/problems/quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal("daily-tokens", problem.GetProperty("quota").GetString());
        Assert.EndsWith("T00:00:00Z", problem.GetProperty("resetsAt").GetString(), StringComparison.Ordinal);

        // Billing records the answer from the event log, a moment after it ended, and then frees its hold.
        JsonElement quota;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var usage = await user.Client.GetFromJsonAsync<JsonElement>("/v1/usage", ct);
            quota = usage.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "daily-tokens");
            if ((quota.GetProperty("used").GetDecimal() > 0 && quota.GetProperty("held").GetDecimal() == 0) || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(250, ct);
        }
        Assert.Equal(limit, quota.GetProperty("limit").GetDecimal());
        var answerUsage = events[^1].Data.GetProperty("usage");
        Assert.Equal(answerUsage.GetProperty("inputTokens").GetInt64() + answerUsage.GetProperty("outputTokens").GetInt64(), quota.GetProperty("used").GetDecimal());
        Assert.Equal(0, quota.GetProperty("held").GetDecimal());
        Assert.Equal("day", quota.GetProperty("window").GetString());
    }
}

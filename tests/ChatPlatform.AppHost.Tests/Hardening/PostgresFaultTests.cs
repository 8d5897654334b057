using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ChatPlatform.AppHost.Tests.EndToEnd;
using static ChatPlatform.AppHost.Tests.Hardening.HardeningPlatform;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>
/// Issue 16 item 8 against the real processes: PostgreSQL killed (SIGKILL, the server and its backends) under a
/// running platform, then started again. While it is down every call that needs it answers 503 with Retry-After as
/// problem details, fast; once it is back everything works again and nothing committed before is lost.
/// </summary>
[Collection(nameof(OwnPlatformCollection))]
public sealed class PostgresFaultTests
{
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task With_PostgreSQL_killed_calls_answer_503_with_retry_after_and_all_recovers()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new FaultObservations("postgres killed");
        await using var platform = await StartAsync(ct);
        using var user = await GatewayUser.RegisterAsync(platform, ct);
        var conversation = await user.CreateConversationAsync(GatewayUser.FastModel, ct);
        var before = await user.TurnAsync(conversation, "before the fault", ct);
        Assert.Equal("done", before[^1].Type);
        var answer = before[^1].Data.GetProperty("message").GetProperty("content").GetString();

        var pid = platform.ProcessId("postgres");
        Kill(platform, "postgres");
        var restartedByHost = await WaitUntilStoppedAsync(platform, "postgres", pid, ct);
        seen.Note($"the host restarted PostgreSQL by itself: {restartedByHost}");

        await seen.StepAsync("listing conversations answers 503 with Retry-After", () =>
            ExpectUnavailableAsync(() => user.Client.GetAsync("/v1/conversations", ct), ct));
        await seen.StepAsync("a turn answers 503 with Retry-After", () =>
            ExpectUnavailableAsync(() => user.StartTurnAsync(conversation, "while PostgreSQL is down", ct), ct));
        await seen.StepAsync("sign-in answers 503 with Retry-After", () => ExpectUnavailableAsync(() => user.SignInAsync(ct), ct));
        await seen.StepAsync("registering answers 503 with Retry-After", () => ExpectUnavailableAsync(() =>
            user.Client.PostAsJsonAsync("/v1/auth/register", new { email = $"pg-down-{Guid.NewGuid():N}@example.com", password = "a long enough password 1" }, ct), ct));

        var restart = Stopwatch.StartNew();
        if (!restartedByHost)
        {
            await StartAgainAsync(platform, "postgres", ct);
        }
        seen.Figure("PostgreSQL started again and healthy", restart.Elapsed);
        var recovered = await seen.StepAsync("listing conversations answers 200 again", () => TimeUntilAsync(async token =>
        {
            using var response = await user.Client.GetAsync("/v1/conversations", token);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60), "recovery after PostgreSQL returned", ct));
        seen.Figure("time to recover after PostgreSQL started again", recovered + restart.Elapsed);
        await seen.StepAsync("a turn works again", async () => Assert.Equal("done", (await user.TurnAsync(conversation, "after PostgreSQL returned", ct))[^1].Type));
        await seen.StepAsync("sign-in works again", async () =>
        {
            using var response = await user.SignInAsync(ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await seen.StepAsync("nothing committed before the fault is lost", async () =>
        {
            var saved = await user.MessagesAsync(conversation, ct);
            Assert.Equal(("user", "before the fault"), (saved[0].Role, saved[0].Content));
            Assert.Equal(("assistant", answer), (saved[1].Role, saved[1].Content));
        });

        seen.AssertAll();
    }

    /// <summary>A 503 problem with Retry-After, answered fast rather than after the driver's timeouts.</summary>
    internal static async Task ExpectUnavailableAsync(Func<Task<HttpResponseMessage>> call, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await call();
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        Assert.True(response.Headers.RetryAfter is not null, "no Retry-After");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(clock.Elapsed < Fast, $"the 503 took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}

using System.Diagnostics;
using System.Net;
using ChatPlatform.AppHost.Tests.EndToEnd;
using static ChatPlatform.AppHost.Tests.Hardening.HardeningPlatform;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>
/// Issue 16 item 7 against the real processes: Redis killed (SIGKILL) under a running platform, then started again.
/// With Redis gone the platform answers fast: sign-in and turns work, stop still reaches the answer on its own instance,
/// resume falls back to PostgreSQL, limits fall back to a per-instance limiter; when Redis returns, all of it recovers.
/// </summary>
[Collection(nameof(OwnPlatformCollection))]
public sealed class RedisFaultTests
{
    // "Fast": well inside what a person waits for, far below the 5 s Redis timeouts the issue saw.
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task With_Redis_killed_sign_in_turns_stop_and_resume_work_fast_limits_hold_and_all_recovers()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new FaultObservations("redis killed");
        await using var platform = await StartAsync(ct);
        using var user = await GatewayUser.RegisterAsync(platform, ct);
        var conversation = await user.CreateConversationAsync(GatewayUser.FastModel, ct);
        var sent = new List<string> { "before the fault" };
        var before = await user.TurnAsync(conversation, sent[0], ct);
        Assert.Equal("done", before[^1].Type);

        var pid = platform.ProcessId("redis");
        Kill(platform, "redis");
        var restartedByHost = await WaitUntilStoppedAsync(platform, "redis", pid, ct);
        seen.Note($"the host restarted Redis by itself: {restartedByHost}");

        await seen.StepAsync("sign-in answers 200 fast", async () =>
        {
            var clock = Stopwatch.StartNew();
            using var response = await user.SignInAsync(ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed < Fast, $"sign-in took {clock.Elapsed.TotalSeconds:0.0} s");
        });
        await seen.StepAsync("a turn streams to done, its first event fast", async () =>
        {
            var clock = Stopwatch.StartNew();
            using var response = await user.StartTurnAsync(conversation, "while Redis is down", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
            var first = await stream.ReadAsync(ct);
            Assert.True(clock.Elapsed < Fast, $"the first event took {clock.Elapsed.TotalSeconds:0.0} s");
            var events = await stream.ReadToEndAsync(ct);
            sent.Add("while Redis is down");
            Assert.Equal("turn.started", first?.Type);
            Assert.Equal("done", events[^1].Type);
        });
        await seen.StepAsync("stop reaches an answer on its own instance", async () =>
        {
            var slow = await user.CreateConversationAsync(GatewayUser.SlowModel, ct);
            using var response = await user.StartTurnAsync(slow, "a long story while Redis is down", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
            var started = (await stream.ReadAsync(ct))!;
            var message = started.Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();
            using var stop = await user.Client.PostAsync($"/v1/conversations/{slow}/messages/{message}/stop", null, ct);
            var events = await stream.ReadToEndAsync(ct);
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
            Assert.Equal("stopped", events[^1].Data.GetProperty("message").GetProperty("status").GetString(), ignoreCase: true);
        });
        await seen.StepAsync("resume falls back to PostgreSQL, fast", async () =>
        {
            var message = before[0].Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Fast);
            using var response = await user.ResumeAsync(conversation, message, 1, timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var stream = new SseStream(await response.Content.ReadAsStreamAsync(timeout.Token));
            var events = await stream.ReadToEndAsync(timeout.Token);
            Assert.Equal("done", events[^1].Type);
            Assert.Equal(before[^1].Data.GetProperty("message").GetProperty("content").GetString(),
                events[^1].Data.GetProperty("message").GetProperty("content").GetString());
        });
        await seen.StepAsync("limits fall back to a per-instance limiter (a 429 within 130 calls)", async () =>
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(TimeSpan.FromSeconds(30));
            var statuses = new List<HttpStatusCode>();
            await Parallel.ForEachAsync(Enumerable.Range(0, 130), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = budget.Token },
                async (_, token) =>
                {
                    using var response = await user.Client.GetAsync("/v1/me", token);
                    lock (statuses)
                    {
                        statuses.Add(response.StatusCode);
                    }
                });
            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        });

        var restart = Stopwatch.StartNew();
        if (!restartedByHost)
        {
            await StartAgainAsync(platform, "redis", ct);
        }
        seen.Figure("Redis started again and healthy", restart.Elapsed);
        var recovered = await seen.StepAsync("a turn and its resume from Redis work again", () => TimeUntilAsync(async token =>
        {
            var events = await user.TurnAsync(conversation, $"after Redis returned {sent.Count}", token);
            sent.Add($"after Redis returned {sent.Count}");
            var message = events[0].Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();
            using var response = await user.ResumeAsync(conversation, message, 1, token);
            using var stream = new SseStream(await response.Content.ReadAsStreamAsync(token));
            return events[^1].Type == "done" && (await stream.ReadToEndAsync(token))[^1].Type == "done"
                && await RateLimitedAsync(user, token);
        }, TimeSpan.FromSeconds(60), "recovery after Redis returned", ct));
        seen.Figure("time to recover after Redis started again", recovered);
        await seen.StepAsync("no committed message is lost", async () =>
        {
            var saved = await user.MessagesAsync(conversation, ct);
            var users = saved.Where(m => m.Role == "user").Select(m => m.Content).ToList();
            Assert.All(sent, content => Assert.Contains(content, users));
            Assert.All(saved.Where(m => m.Role == "assistant"), m => Assert.Equal("complete", m.Status));
        });

        seen.AssertAll();
    }

    /// <summary>Whether the gateway counts calls again (its limit headers are back).</summary>
    private static async Task<bool> RateLimitedAsync(GatewayUser user, CancellationToken ct)
    {
        using var response = await user.Client.GetAsync("/v1/me", ct);
        return response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("RateLimit-Remaining");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// The platform's Redis killed mid-run and started again from its dashboard command: what a client sees meanwhile
/// (sign-in, turns, stop and resume answer, promptly) and that the services use Redis again once it is back.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class RedisOutageTests(PlatformFixture platform)
{
    private const string FastModel = "sim-fast";
    private const string SlowModel = "sim-smart";

    // Generous bounds on awaiting, not timings: with Redis's old 5 s timeouts sign-in and stop answered 500 after ~5.7 s.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task With_redis_killed_the_platform_answers_and_it_uses_redis_again_once_restarted()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = $"e2e-{Guid.NewGuid():N}@example.com";
        var password = "a long enough password " + Guid.NewGuid();
        using var client = Platform.CreateHttpClient("gateway");
        using (var registered = await client.PostAsJsonAsync("/v1/auth/register", new { email, password }, ct))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var redisResource = Platform.Resources.Single(r => r.Name == "redis");
        var notifications = Platform.App.Services.GetRequiredService<ResourceNotificationService>();
        var figures = new List<string>();
        // The same calls with Redis up, for comparison on a machine whose load varies.
        var baseline = Stopwatch.StartNew();
        using (var signIn = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password }, ct))
        {
            figures.Add($"with Redis: sign-in {baseline.ElapsedMilliseconds} ms");
            var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var first = await CreateConversationAsync(client, FastModel, ct);
            baseline.Restart();
            using var turn = await PostTurnAsync(client, first, "Hello with Redis", ct);
            figures.Add($"turn headers {baseline.ElapsedMilliseconds} ms");
            await new SseStream(await turn.Content.ReadAsStreamAsync(ct)).ReadToEndAsync(ct);
            figures.Add($"turn to done {baseline.ElapsedMilliseconds} ms; without Redis:");
        }
        try
        {
            using (var redis = Process.GetProcessById(Platform.ProcessId("redis")))
            {
                redis.Kill();
            }
            await notifications.WaitForResourceAsync("redis", KnownResourceStates.TerminalStates, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

            var clock = Stopwatch.StartNew();
            using var signIn = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password }, ct).WaitAsync(Prompt, ct);
            figures.Add($"sign-in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var conversation = await CreateConversationAsync(client, FastModel, ct);

            clock.Restart();
            using var turn = await PostTurnAsync(client, conversation, "Hello without Redis", ct).WaitAsync(Prompt, ct);
            figures.Add($"turn headers {clock.ElapsedMilliseconds} ms");
            var events = await new SseStream(await turn.Content.ReadAsStreamAsync(ct)).ReadToEndAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            figures.Add($"turn to done {clock.ElapsedMilliseconds} ms");
            Assert.Equal("done", events[^1].Type);
            var messageId = events[^1].Data.GetProperty("message").GetProperty("id").GetGuid();

            // A resume of the finished answer: its end, from PostgreSQL.
            using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}/messages/{messageId}/events");
            resume.Headers.Add("Last-Event-ID", "1");
            clock.Restart();
            using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, ct).WaitAsync(Prompt, ct);
            var resumedEvents = await new SseStream(await resumed.Content.ReadAsStreamAsync(ct)).ReadToEndAsync(ct).WaitAsync(Prompt, ct);
            figures.Add($"resume {clock.ElapsedMilliseconds} ms");
            var end = Assert.Single(resumedEvents);
            Assert.Equal(events[^1].Data.GetProperty("message").GetProperty("content").GetString(), end.Data.GetProperty("message").GetProperty("content").GetString());

            // A stop reaches the answer on its own instance.
            var slow = await CreateConversationAsync(client, SlowModel, ct);
            using var streaming = await PostTurnAsync(client, slow, "Tell me a long story", ct).WaitAsync(Prompt, ct);
            using var stream = new SseStream(await streaming.Content.ReadAsStreamAsync(ct));
            var started = await stream.ReadAsync(ct).WaitAsync(Prompt, ct);
            var streamingId = started!.Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();
            clock.Restart();
            using var stop = await client.PostAsync($"/v1/conversations/{slow}/messages/{streamingId}/stop", null, ct).WaitAsync(Prompt, ct);
            figures.Add($"stop {clock.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
            var stopped = (await stream.ReadToEndAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct))[^1];
            Assert.Equal("stopped", stopped.Data.GetProperty("message").GetProperty("status").GetString(), ignoreCase: true);
        }
        finally
        {
            var restarted = Stopwatch.StartNew();
            await Platform.App.Services.GetRequiredService<ResourceCommandService>()
                .ExecuteCommandAsync(redisResource, KnownResourceCommands.StartCommand, ct);
            await notifications.WaitForResourceHealthyAsync("redis", ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            figures.Add($"redis healthy {restarted.ElapsedMilliseconds} ms after its start");
        }

        // Back: a new answer's events land in Redis again (the chat's breaker has closed) and the gateway counts there.
        var recovery = Stopwatch.StartNew();
        using var probe = await ConnectionMultiplexer.ConnectAsync($"{await Platform.ConnectionStringAsync("redis")},abortConnect=false");
        var again = await CreateConversationAsync(client, FastModel, ct);
        var me = await client.GetFromJsonAsync<JsonElement>("/v1/me", ct);
        RedisKey window = $"gateway:ratelimit:{{{me.GetProperty("id").GetGuid():N}}}:requests";
        while (true)
        {
            using var response = await PostTurnAsync(client, again, "Hello again", ct);
            var events = await new SseStream(await response.Content.ReadAsStreamAsync(ct)).ReadToEndAsync(ct);
            var key = $"chat:turn:{events[^1].Data.GetProperty("message").GetProperty("id").GetGuid()}";
            if (await probe.GetDatabase().StreamLengthAsync(key) == events.Count && await probe.GetDatabase().KeyExistsAsync(window))
            {
                break;
            }
            Assert.True(recovery.Elapsed < TimeSpan.FromSeconds(30), "the services did not use Redis again within 30 s of its return");
            await Task.Delay(200, ct);
        }
        figures.Add($"Redis used again {recovery.ElapsedMilliseconds} ms after it was healthy");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", figures));
        TestContext.Current.SendDiagnosticMessage("Redis outage figures: {0}", string.Join("; ", figures));
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, string model, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> PostTurnAsync(HttpClient client, Guid conversation, string content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns") { Content = JsonContent.Create(new { content }) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }
}

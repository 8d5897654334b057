using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.AppHost.Tests.EndToEnd;
using static ChatPlatform.AppHost.Tests.Hardening.HardeningPlatform;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>
/// The model router killed (SIGKILL, its <c>dotnet run</c> and the service) under a running platform, then started
/// again with the dashboard's Start command when the host does not restart it. While it is down a turn ends in an
/// <c>error</c> event (or is refused with 503 before its stream), the person's message is kept, and the OpenAI routes
/// answer 502 or 503 in OpenAI's error shape; once it is back turns work again.
/// </summary>
[Collection(nameof(OwnPlatformCollection))]
public sealed class RouterFaultTests
{
    [Fact]
    public async Task With_the_router_killed_turns_end_in_an_error_keeping_the_message_and_all_recovers()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new FaultObservations("router killed");
        await using var platform = await StartAsync(ct);
        using var user = await GatewayUser.RegisterAsync(platform, ct);
        var apiKey = await user.CreateApiKeyAsync(ct);
        var conversation = await user.CreateConversationAsync(GatewayUser.FastModel, ct);
        Assert.Equal("done", (await user.TurnAsync(conversation, "before the fault", ct))[^1].Type);

        var pid = platform.ProcessId("model-router");
        Kill(platform, "model-router");
        var restartedByHost = await WaitUntilStoppedAsync(platform, "model-router", pid, ct);
        seen.Note($"the host restarted the router by itself: {restartedByHost}");

        await seen.StepAsync("a turn ends in an error event or a 503, within 30 s", async () =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await user.StartTurnAsync(conversation, "while the router is down", timeout.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var stream = new SseStream(await response.Content.ReadAsStreamAsync(timeout.Token));
                var events = await stream.ReadToEndAsync(timeout.Token);
                Assert.Equal("error", events[^1].Type);
                Assert.Equal("failed", events[^1].Data.GetProperty("message").GetProperty("status").GetString(), ignoreCase: true);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        });
        await seen.StepAsync("the message sent while the router was down is kept", async () =>
            Assert.Contains(("user", "while the router is down"), (await user.MessagesAsync(conversation, ct)).Select(m => (m.Role, m.Content))));
        await seen.StepAsync("GET /v1/models answers 502 or 503 in OpenAI's error shape", () => ExpectOpenAIUnavailableAsync(
            () => user.Client.GetAsync("/v1/models", ct), ct));
        await seen.StepAsync("POST /v1/chat/completions answers 502 or 503 in OpenAI's error shape", () => ExpectOpenAIUnavailableAsync(() =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = GatewayUser.FastModel, messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            return user.Client.SendAsync(request, ct);
        }, ct));

        var restart = Stopwatch.StartNew();
        if (!restartedByHost)
        {
            await StartAgainAsync(platform, "model-router", ct);
        }
        seen.Figure("router started again and healthy", restart.Elapsed);
        var recovered = await seen.StepAsync("a turn streams to done again", () => TimeUntilAsync(async token =>
            (await user.TurnAsync(conversation, "after the router returned", token))[^1].Type == "done",
            TimeSpan.FromSeconds(60), "recovery after the router returned", ct));
        seen.Figure("time to recover after the router started again", recovered + restart.Elapsed);

        seen.AssertAll();
    }

    private static async Task ExpectOpenAIUnavailableAsync(Func<Task<HttpResponseMessage>> call, CancellationToken ct)
    {
        using var response = await call();
        var body = await response.Content.ReadAsStringAsync(ct);
        // 502 (the gateway could not reach it) or 503 (the router or chat says so) are both true; the shape is OpenAI's.
        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("error").GetProperty("message").ValueKind);
    }
}

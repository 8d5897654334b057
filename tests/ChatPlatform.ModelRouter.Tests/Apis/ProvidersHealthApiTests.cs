using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Tests.Routing;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Apis;

public sealed class ProvidersHealthApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_deployment_reports_its_circuit_latency_errors_and_retry_after()
    {
        var clients = new ScriptedClientFactory();
        clients.Clients["d1"] = new ScriptedChatClient([Step.Transient(429, TimeSpan.FromSeconds(60))]);
        clients.Clients["d2"] = ScriptedChatClient.Answering("ok");
        var catalog = new InMemoryCatalog([ChatModel()], [Deployment("d1"), Deployment("d2", priority: 2)]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients);
        using var chat = await host.Client.PostAsync(
            "/v1/chat/completions",
            new StringContent("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}""", Encoding.UTF8, "application/json"),
            Token);
        chat.EnsureSuccessStatusCode();
        // Read to the end: the stream's usage is recorded once it is done.
        Assert.EndsWith("data: [DONE]\n\n", await chat.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

        var health = (await host.Client.GetFromJsonAsync<JsonNode>("/v1/admin/providers/health", Token))!["deployments"]!.AsArray();

        var d1 = health.Single(d => (string?)d!["id"] == "d1")!;
        var d2 = health.Single(d => (string?)d!["id"] == "d2")!;
        Assert.Equal(("chat-model", "openai", "closed"), ((string?)d1["model"], (string?)d1["provider"], (string?)d1["state"]));
        Assert.StartsWith("429", (string?)d1["lastError"], StringComparison.Ordinal);
        Assert.NotNull(d1["retryAfterUntil"]);
        Assert.True((double)d1["errorRate"]! > 0);
        Assert.Equal(1, (int)d2["requests"]!);
        Assert.NotNull(d2["timeToFirstTokenEwmaMs"]);
        Assert.Null(d2["lastError"]);
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Tests.Fakes;
using ChatPlatform.ModelRouter.Tests.Routing;

namespace ChatPlatform.ModelRouter.Tests.Apis;

/// <summary>
/// A model whose provider rejects a sampling temperature (reasoning models): a temperature a client sends for it is
/// dropped before the provider sees it, while other models still get theirs.
/// </summary>
public sealed class TemperatureCapabilityTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(ProviderKind.OpenAI, false, null)]
    [InlineData(ProviderKind.OpenAI, true, 0.5)]
    [InlineData(ProviderKind.Anthropic, false, null)]
    [InlineData(ProviderKind.Anthropic, true, 0.5)]
    public async Task A_temperature_reaches_the_provider_only_for_a_model_that_takes_one(ProviderKind kind, bool takesTemperature, double? sent)
    {
        await using FakeProviderServer provider = kind == ProviderKind.OpenAI ? await FakeOpenAIServer.StartAsync(Token) : await FakeAnthropicServer.StartAsync(Token);
        var model = new ModelDefinition("chat-model", "Chat model", 128_000, 4_096, new ModelCapabilities(Temperature: takesTemperature));
        await using var host = await RoutingTestHost.StartAsync(
            new InMemoryCatalog([model], [Deployment(provider)]),
            clients: null,
            new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"temperature":0.5}""", Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = Assert.Single(provider.Requests).Body;
        Assert.Equal(sent, (double?)body["temperature"]);
        Assert.Equal(takesTemperature, body.ContainsKey("temperature"));
    }

    private static DeploymentDefinition Deployment(FakeProviderServer provider) => provider switch
    {
        FakeOpenAIServer openAI => openAI.Deployment(modelId: "chat-model"),
        FakeAnthropicServer anthropic => anthropic.Deployment(modelId: "chat-model"),
        _ => throw new ArgumentException($"No deployment for {provider.GetType().Name}.", nameof(provider)),
    };
}

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
    [InlineData(false, null)]
    [InlineData(true, 0.5)]
    public async Task A_temperature_reaches_the_provider_only_for_a_model_that_takes_one(bool takesTemperature, double? sent)
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        var model = new ModelDefinition("chat-model", "Chat model", 128_000, 4_096, new ModelCapabilities(Temperature: takesTemperature));
        await using var host = await RoutingTestHost.StartAsync(
            new InMemoryCatalog([model], [provider.Deployment(modelId: "chat-model")]),
            clients: null,
            new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"temperature":0.5}""", Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = Assert.Single(provider.Requests).Body;
        Assert.Equal(sent, (double?)body["temperature"]);
        Assert.Equal(takesTemperature, body.ContainsKey("temperature"));
    }
}

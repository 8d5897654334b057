using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Tests.Fakes;
using ChatPlatform.ModelRouter.Tests.Routing;
using OpenAI.Chat;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Apis;

/// <summary><c>response_format</c> through the router: JSON mode and structured output, to each kind of provider.</summary>
public sealed class ResponseFormatTests
{
    private const string WeatherSchema =
        """{"type":"object","properties":{"city":{"type":"string"},"degrees":{"type":"number"},"sky":{"enum":["clear","cloudy"]},"wind":{"type":"object","properties":{"knots":{"type":"integer"}}}},"required":["city","degrees","sky","wind"],"additionalProperties":false}""";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static global::OpenAI.Chat.ChatResponseFormat Structured() =>
        global::OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("weather", BinaryData.FromString(WeatherSchema), "The weather.", jsonSchemaIsStrict: true);

    [Fact]
    public async Task Structured_output_reaches_an_OpenAI_provider_with_its_name_schema_and_strict()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("""{"city":"Paris"}""");
        await using var host = await StartAsync(provider.Deployment(modelId: "chat-model"), provider.ApiKeySetting);

        ChatCompletion completion = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather?")], new ChatCompletionOptions { ResponseFormat = Structured() }, Token);

        Assert.Equal("""{"city":"Paris"}""", completion.Content[0].Text);
        var format = Assert.Single(provider.Requests).Body["response_format"]!;
        Assert.Equal(("json_schema", "weather", "The weather.", true),
            ((string?)format["type"], (string?)format["json_schema"]!["name"], (string?)format["json_schema"]!["description"], (bool)format["json_schema"]!["strict"]!));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(WeatherSchema), format["json_schema"]!["schema"]));
    }

    [Fact]
    public async Task Json_mode_reaches_an_OpenAI_provider_as_json_object()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("{}");
        await using var host = await StartAsync(provider.Deployment(modelId: "chat-model"), provider.ApiKeySetting);

        await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("JSON please")], new ChatCompletionOptions { ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() }, Token);

        Assert.Equal("json_object", (string?)Assert.Single(provider.Requests).Body["response_format"]!["type"]);
    }

    [Fact]
    public async Task Structured_output_to_an_Anthropic_provider_carries_no_field_of_ours()
    {
        await using var provider = await FakeAnthropicServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("""{"city":"Paris"}""");
        await using var host = await StartAsync(provider.Deployment(modelId: "chat-model"), provider.ApiKeySetting);

        ChatCompletion completion = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather?")], new ChatCompletionOptions { ResponseFormat = Structured() }, Token);

        Assert.Equal("""{"city":"Paris"}""", completion.Content[0].Text);
        Assert.DoesNotContain("strict_json_schema", Assert.Single(provider.Requests).Body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_simulator_answers_structured_output_with_json_that_fits_the_schema_and_json_mode_with_its_answer()
    {
        var simulator = new DeploymentDefinition(
            "sim", "chat-model", ProviderKind.Simulator, "simulator", null, null, Priority: 1, Weight: 1, Pricing.Free,
            Simulator: new SimulatorSettings(TimeToFirstTokenMs: 0, TokensPerSecond: 0, AnswerTokens: 4));
        await using var host = await RoutingTestHost.StartAsync(new InMemoryCatalog([ChatModel()], [simulator]), clients: null);

        ChatCompletion structured = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather?")], new ChatCompletionOptions { ResponseFormat = Structured() }, Token);
        ChatCompletion jsonMode = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather?")], new ChatCompletionOptions { ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() }, Token);

        var weather = JsonNode.Parse(structured.Content[0].Text)!;
        Assert.Equal(("simulated", 1.0, "clear", 1), ((string?)weather["city"], (double)weather["degrees"]!, (string?)weather["sky"], (int)weather["wind"]!["knots"]!));
        Assert.StartsWith("[simulated]", (string?)JsonNode.Parse(jsonMode.Content[0].Text)!["answer"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"json\"", "response_format")]
    [InlineData("""{"type":"xml"}""", "response_format.type")]
    [InlineData("""{"type":"json_schema"}""", "response_format.json_schema")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"weather"}}""", "response_format.json_schema.schema")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"two words","schema":{}}}""", "response_format.json_schema.name")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"weather","schema":{},"strict":"yes"}}""", "response_format.json_schema.strict")]
    public async Task A_wrong_response_format_is_a_400_naming_the_field(string format, string param)
    {
        var clients = new ScriptedClientFactory();
        clients.Clients["d1"] = ScriptedChatClient.Answering("never");
        await using var host = await RoutingTestHost.StartAsync(new InMemoryCatalog([ChatModel()], [Deployment("d1")]), clients);

        using var response = await host.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"response_format":{{format}}}""", Encoding.UTF8, "application/json"), Token);
        var error = (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    private static Task<RoutingTestHost> StartAsync(DeploymentDefinition deployment, string keySetting) => RoutingTestHost.StartAsync(
        new InMemoryCatalog([ChatModel()], [deployment]), clients: null, new Dictionary<string, string?> { [keySetting] = FakeProviderServer.ApiKey });
}

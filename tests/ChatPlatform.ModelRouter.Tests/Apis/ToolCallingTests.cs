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

/// <summary>Function calling through the router, with the official OpenAI .NET client as the caller and a fake OpenAI provider.</summary>
public sealed class ToolCallingTests
{
    private const string WeatherArguments = """{"city":"Paris","unit":"celsius"}""";

    private static readonly FakeBehavior CallsTheWeatherTool = new()
    {
        Tokens = [],
        ToolCalls = [new FakeToolCall("call_weather_1", "get_weather", WeatherArguments)],
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ChatTool WeatherTool(bool? strict = null) => ChatTool.CreateFunctionTool(
        "get_weather",
        "The weather in a city.",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}"""),
        strict);

    [Fact]
    public async Task A_streamed_tool_call_reaches_the_official_client_fragment_by_fragment_with_its_id_name_and_arguments()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = CallsTheWeatherTool;
        await using var host = await StartAsync(provider);
        var options = new ChatCompletionOptions { Tools = { WeatherTool(strict: true) }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather"), AllowParallelToolCalls = false };

        var fragments = new List<StreamingChatToolCallUpdate>();
        global::OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in host.OpenAIClient().CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options, Token))
        {
            fragments.AddRange(update.ToolCallUpdates);
            finish = update.FinishReason ?? finish;
        }

        // As the provider sent them (the id and name, then the arguments in two pieces), and not once more whole.
        AssertTheWeatherCallInThreeFragments(fragments);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
        var sent = Assert.Single(provider.Requests).Body;
        var tool = Assert.Single(sent["tools"]!.AsArray())!;
        Assert.Equal(("function", "get_weather", "The weather in a city."), ((string?)tool["type"], (string?)tool["function"]!["name"], (string?)tool["function"]!["description"]));
        Assert.Equal("celsius", (string?)tool["function"]!["parameters"]!["properties"]!["unit"]!["enum"]![0]);
        Assert.True((bool)tool["function"]!["strict"]!);
        Assert.Equal("get_weather", (string?)sent["tool_choice"]!["function"]!["name"]);
        Assert.False((bool)sent["parallel_tool_calls"]!);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI)]
    [InlineData(ProviderKind.Anthropic)]
    public async Task Two_streamed_tool_calls_reach_the_official_client_apart_each_with_its_id(ProviderKind kind)
    {
        await using var provider = await StartProviderAsync(kind);
        provider.Behavior = CallsTheWeatherTool with
        {
            ToolCalls = [new FakeToolCall("call_paris", "get_weather", WeatherArguments), new FakeToolCall("call_rome", "get_weather", """{"city":"Rome"}""")],
        };
        await using var host = await StartAsync(provider);

        var fragments = new List<StreamingChatToolCallUpdate>();
        await foreach (var update in host.OpenAIClient().CompleteChatStreamingAsync(
            [new UserChatMessage("Weather in Paris and Rome?")], new ChatCompletionOptions { Tools = { WeatherTool() } }, Token))
        {
            fragments.AddRange(update.ToolCallUpdates);
        }

        Assert.Equal(
            [(0, "call_paris", "get_weather", WeatherArguments), (1, "call_rome", "get_weather", """{"city":"Rome"}""")],
            Assemble(fragments).OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Id, c.Value.Name, c.Value.Arguments)));
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI)]
    [InlineData(ProviderKind.Anthropic)]
    public async Task A_tool_call_written_slowly_is_not_taken_for_a_silent_provider(ProviderKind kind)
    {
        await using var provider = await StartProviderAsync(kind);
        provider.Behavior = CallsTheWeatherTool with { TokenDelay = TimeSpan.FromMilliseconds(500) };
        await using var host = await RoutingTestHost.StartAsync(
            new InMemoryCatalog([ChatModel(tools: true)], [ChatDeployment(provider)]),
            clients: null,
            new Dictionary<string, string?>
            {
                [provider.ApiKeySetting] = FakeProviderServer.ApiKey,
                ["Routing:FirstTokenTimeout"] = "00:00:00.900",
                ["Routing:InterTokenTimeout"] = "00:00:00.900",
            });

        var calls = new List<StreamingChatToolCallUpdate>();
        await foreach (var update in host.OpenAIClient().CompleteChatStreamingAsync(
            [new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { WeatherTool() } }, Token))
        {
            calls.AddRange(update.ToolCallUpdates);
        }

        // Fragments 500 ms apart: 1 s or more in all, past both timeouts, yet each shows the provider is writing. Each gap
        // leaves 400 ms to spare (200 ms was once too little when CI ran every test assembly at once).
        var (_, name, arguments) = Assert.Single(Assemble(calls)).Value;
        Assert.Equal("get_weather", name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(WeatherArguments), JsonNode.Parse(arguments)));
        Assert.Equal(1, provider.CallCount);
    }

    /// <summary>The weather call as the fakes write it: its id and name, then its arguments in two pieces.</summary>
    private static void AssertTheWeatherCallInThreeFragments(List<StreamingChatToolCallUpdate> fragments)
    {
        Assert.Equal(3, fragments.Count);
        Assert.Equal(("call_weather_1", "get_weather"), (fragments[0].ToolCallId, fragments[0].FunctionName));
        Assert.All(fragments.Skip(1), f => Assert.Equal((null, null), (f.ToolCallId, f.FunctionName)));
        var (id, name, arguments) = Assert.Single(Assemble(fragments)).Value;
        Assert.Equal(("call_weather_1", "get_weather", WeatherArguments), (id, name, arguments));
    }

    /// <summary>Tool call fragments put together by index, as an OpenAI client does.</summary>
    private static Dictionary<int, (string? Id, string? Name, string Arguments)> Assemble(IEnumerable<StreamingChatToolCallUpdate> fragments) =>
        fragments.GroupBy(f => f.Index).ToDictionary(
            g => g.Key,
            g => (g.Select(f => f.ToolCallId).FirstOrDefault(i => i is not null), g.Select(f => f.FunctionName).FirstOrDefault(n => n is not null),
                string.Concat(g.Select(f => f.FunctionArgumentsUpdate?.ToString()))));

    [Fact]
    public async Task A_whole_answer_with_a_tool_call_reaches_the_official_client_as_OpenAI_answers_it()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = CallsTheWeatherTool;
        await using var host = await StartAsync(provider);

        ChatCompletion completion = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { WeatherTool() } }, Token);

        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal(("call_weather_1", "get_weather", WeatherArguments), (call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.Content);
        Assert.False(Assert.Single(provider.Requests).Stream);
    }

    [Fact]
    public async Task A_tool_call_from_a_fake_Anthropic_provider_reaches_the_official_OpenAI_client_fragment_by_fragment_as_an_OpenAI_tool_call()
    {
        await using var provider = await FakeAnthropicServer.StartAsync(Token);
        provider.Behavior = CallsTheWeatherTool;
        await using var host = await StartAsync(provider);

        var fragments = new List<StreamingChatToolCallUpdate>();
        global::OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in host.OpenAIClient().CompleteChatStreamingAsync(
            [new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { WeatherTool() } }, Token))
        {
            fragments.AddRange(update.ToolCallUpdates);
            finish = update.FinishReason ?? finish;
        }

        // The tool_use block's start (id and name), then its input_json_delta pieces, and not once more whole.
        AssertTheWeatherCallInThreeFragments(fragments);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
        var tool = Assert.Single(Assert.Single(provider.Requests).Body["tools"]!.AsArray())!;
        Assert.Equal(("get_weather", "object"), ((string?)tool["name"], (string?)tool["input_schema"]!["type"]));
    }

    [Fact]
    public async Task A_tool_without_parameters_called_through_Anthropic_reaches_the_official_client_with_an_empty_object_as_its_arguments()
    {
        await using var provider = await FakeAnthropicServer.StartAsync(Token);
        // Anthropic streams such a call's input as empty pieces of JSON (the fake: two), or none at all.
        provider.Behavior = CallsTheWeatherTool with { ToolCalls = [new FakeToolCall("call_time_1", "get_time", "")] };
        await using var host = await StartAsync(provider);

        var fragments = new List<StreamingChatToolCallUpdate>();
        await foreach (var update in host.OpenAIClient().CompleteChatStreamingAsync(
            [new UserChatMessage("What time is it?")], new ChatCompletionOptions { Tools = { WeatherTool() } }, Token))
        {
            fragments.AddRange(update.ToolCallUpdates);
        }

        // As OpenAI writes it, so that a caller parsing the arguments as JSON can.
        Assert.Equal(("call_time_1", "get_time", "{}"), Assert.Single(Assemble(fragments)).Value);
    }

    [Fact]
    public async Task The_simulator_calls_a_tool_and_then_answers_its_result_for_the_official_client_offline()
    {
        var simulator = new ChatPlatform.ModelRouter.Model.DeploymentDefinition(
            "sim", "chat-model", ChatPlatform.ModelRouter.Model.ProviderKind.Simulator, "simulator", null, null, Priority: 1, Weight: 1,
            ChatPlatform.ModelRouter.Model.Pricing.Free,
            Simulator: new ChatPlatform.ModelRouter.Model.SimulatorSettings(TimeToFirstTokenMs: 0, TokensPerSecond: 0, AnswerTokens: 5));
        await using var host = await RoutingTestHost.StartAsync(new InMemoryCatalog([ChatModel(tools: true)], [simulator]), clients: null);
        var options = new ChatCompletionOptions { Tools = { WeatherTool() } };

        ChatCompletion call = await host.OpenAIClient().CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options, Token);
        var toolCall = Assert.Single(call.ToolCalls);
        ChatCompletion answer = await host.OpenAIClient().CompleteChatAsync(
            [new UserChatMessage("Weather in Paris?"), new AssistantChatMessage(call), new ToolChatMessage(toolCall.Id, "18 degrees")], options, Token);

        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.ToolCalls, call.FinishReason);
        Assert.Equal("get_weather", toolCall.FunctionName);
        Assert.Equal("simulated", (string?)JsonNode.Parse(toolCall.FunctionArguments.ToString())!["city"]);
        Assert.StartsWith("[simulated]", answer.Content[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_call_and_its_result_in_the_history_reach_the_provider_in_OpenAIs_shape()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("It is 18 degrees in Paris.");
        await using var host = await StartAsync(provider);
        ChatMessage[] history =
        [
            new UserChatMessage("Weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_weather_1", "get_weather", BinaryData.FromString(WeatherArguments))]),
            new ToolChatMessage("call_weather_1", """{"temperature":18}"""),
        ];

        ChatCompletion completion = await host.OpenAIClient().CompleteChatAsync(history, new ChatCompletionOptions { Tools = { WeatherTool() } }, Token);

        Assert.Equal("It is 18 degrees in Paris.", completion.Content[0].Text);
        var messages = Assert.Single(provider.Requests).Body["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => (string?)m!["role"]));
        var call = Assert.Single(messages[1]!["tool_calls"]!.AsArray())!;
        Assert.Equal(("call_weather_1", "get_weather"), ((string?)call["id"], (string?)call["function"]!["name"]));
        Assert.Equal(JsonNode.Parse(WeatherArguments)!.ToJsonString(), JsonNode.Parse((string)call["function"]!["arguments"]!)!.ToJsonString());
        Assert.Equal(("call_weather_1", """{"temperature":18}"""), ((string?)messages[2]!["tool_call_id"], (string?)messages[2]!["content"]));
    }

    [Fact]
    public async Task Tools_sent_to_a_model_without_them_are_a_400_that_reaches_no_provider()
    {
        var clients = new ScriptedClientFactory();
        clients.Clients["d1"] = ScriptedChatClient.Answering("never");
        await using var host = await RoutingTestHost.StartAsync(new InMemoryCatalog([ChatModel(tools: false)], [Deployment("d1")]), clients);

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json($$"""
            {"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"tools":[{{WeatherToolJson}}]}
            """), Token);
        var error = (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("tools_not_supported", "tools"), ((string?)error["code"], (string?)error["param"]));
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    private const string WeatherToolJson = """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}""";

    [Theory]
    [InlineData("""{"tools":{"type":"function"}}""", "tools")]
    [InlineData("""{"tools":[{"type":"retrieval"}]}""", "tools[0]")]
    [InlineData("""{"tools":[{"type":"function","function":{"description":"no name"}}]}""", "tools[0].function.name")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"has spaces"}}]}""", "tools[0].function.name")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"get_weather\n"}}]}""", "tools[0].function.name")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","strict":"yes"}}]}""", "tools[0].function.strict")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","parameters":"a string"}}]}""", "tools[0].function.parameters")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]}""", "tools[1].function.name")]
    [InlineData("""{"tool_choice":"auto"}""", "tool_choice")]
    [InlineData("""{"tools":[WEATHER],"tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"tools":[WEATHER],"tool_choice":{"type":"function","function":{"name":"get_time"}}}""", "tool_choice.function.name")]
    [InlineData("""{"tools":[WEATHER],"parallel_tool_calls":"yes"}""", "parallel_tool_calls")]
    public async Task A_wrong_tool_field_is_a_400_naming_it(string fields, string param)
    {
        var body = JsonNode.Parse(fields.Replace("WEATHER", WeatherToolJson, StringComparison.Ordinal))!.AsObject();
        body["model"] = "chat-model";
        body["messages"] = JsonNode.Parse("""[{"role":"user","content":"Hi"}]""");

        await AssertInvalidAsync(body.ToJsonString(), param);
    }

    [Theory]
    [InlineData("""{"role":"tool","content":"18 degrees"}""", "messages[1].tool_call_id")]
    [InlineData("""{"role":"tool","tool_call_id":"call_1"}""", "messages[1].content")]
    [InlineData("""{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{not json"}}]}""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":"{}"}}]}""", "messages[1].tool_calls[0].id")]
    [InlineData("""{"role":"assistant","tool_calls":{"id":"call_1"}}""", "messages[1].tool_calls")]
    public async Task A_wrong_tool_message_is_a_400_naming_its_field(string message, string param)
    {
        await AssertInvalidAsync($$"""{"model":"chat-model","messages":[{"role":"user","content":"Hi"},{{message}}],"tools":[{{WeatherToolJson}}]}""", param);
    }

    private static async Task AssertInvalidAsync(string body, string param)
    {
        var clients = new ScriptedClientFactory();
        clients.Clients["d1"] = ScriptedChatClient.Answering("never");
        await using var host = await RoutingTestHost.StartAsync(new InMemoryCatalog([ChatModel(tools: true)], [Deployment("d1")]), clients);

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json(body), Token);
        var error = (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    private static Task<RoutingTestHost> StartAsync(FakeProviderServer provider) => RoutingTestHost.StartAsync(
        new InMemoryCatalog([ChatModel(tools: true)], [ChatDeployment(provider)]),
        clients: null,
        new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

    private static async Task<FakeProviderServer> StartProviderAsync(ProviderKind kind) =>
        kind == ProviderKind.OpenAI ? await FakeOpenAIServer.StartAsync(Token) : await FakeAnthropicServer.StartAsync(Token);

    private static DeploymentDefinition ChatDeployment(FakeProviderServer provider) => provider switch
    {
        FakeOpenAIServer openAI => openAI.Deployment(modelId: "chat-model"),
        FakeAnthropicServer anthropic => anthropic.Deployment(modelId: "chat-model"),
        _ => throw new ArgumentException($"No deployment for {provider.GetType().Name}.", nameof(provider)),
    };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

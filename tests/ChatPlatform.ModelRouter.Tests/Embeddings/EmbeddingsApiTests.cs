using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers.Embeddings;
using ChatPlatform.ModelRouter.Tests.Fakes;
using ChatPlatform.ModelRouter.Tests.Routing;

namespace ChatPlatform.ModelRouter.Tests.Embeddings;

/// <summary>POST /v1/embeddings against real HTTP servers speaking OpenAI's embeddings wire format.</summary>
public sealed class EmbeddingsApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static ModelDefinition EmbeddingModel(int dimensions = 3, int maxInputTokens = 8_191) =>
        new("embed-model", "Embed model", maxInputTokens, 0, new ModelCapabilities(EmbeddingDimensions: dimensions));

    private static async Task<RoutingTestHost> StartAsync(ModelDefinition model, params (FakeOpenAIServer Server, DeploymentDefinition Deployment)[] deployments) =>
        await RoutingTestHost.StartAsync(
            new InMemoryCatalog([model, RouterHarness.ChatModel()], [.. deployments.Select(d => d.Deployment)]),
            clients: null,
            deployments.Select(d => d.Server.KeyConfiguration).DistinctBy(k => k.Key).ToDictionary());

    private static DeploymentDefinition Embedding(FakeOpenAIServer server, string id, int priority = 1, ProviderKind provider = ProviderKind.OpenAI,
        Pricing? price = null) =>
        server.Deployment(providerModel: $"{id}-provider-model", provider: provider, id: id, modelId: "embed-model") with
        {
            Priority = priority,
            Price = price ?? Pricing.Free,
        };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> BodyOf(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!;

    private static float[] Floats(JsonNode embedding) => [.. embedding.AsArray().Select(v => (float)v!)];

    [Fact]
    public async Task OpenAI_embeddings_come_back_in_input_order_with_usage_priced_at_the_input_price()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        await using var host = await StartAsync(EmbeddingModel(),
            (provider, Embedding(provider, "e1", price: new Pricing(1_000m, 0m, 5_000m))));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""
            {"model":"embed-model","input":["first text","second"],"user":"u-1","unknown":{"x":1}}
            """), Token);
        var body = await BodyOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", (string?)body["object"]);
        Assert.Equal("embed-model", (string?)body["model"]);
        var data = body["data"]!.AsArray();
        Assert.Equal([0, 1], data.Select(d => (int)d!["index"]!));
        Assert.All(data, d => Assert.Equal("embedding", (string?)d!["object"]));
        Assert.Equal(FakeOpenAIServer.Vector("first text", 0, 3), Floats(data[0]!["embedding"]!));
        Assert.Equal(FakeOpenAIServer.Vector("second", 1, 3), Floats(data[1]!["embedding"]!));
        var usage = body["usage"]!;
        Assert.Equal((21, 21), ((int)usage["prompt_tokens"]!, (int)usage["total_tokens"]!));
        Assert.Equal(0.021m, (decimal)usage["chatplatform"]!["cost_usd"]!);
        Assert.False((bool)usage["chatplatform"]!["estimated"]!);
        Assert.Equal("e1", (string?)usage["chatplatform"]!["deployment"]);
        var sent = Assert.Single(provider.Requests);
        Assert.Equal("/v1/embeddings", sent.Path);
        Assert.Equal($"Bearer {FakeProviderServer.ApiKey}", sent.Header("Authorization"));
        Assert.Equal("e1-provider-model", (string?)sent.Body["model"]);
        Assert.Equal("""["first text","second"]""", sent.Body["input"]!.ToJsonString());
        Assert.Equal("float", (string?)sent.Body["encoding_format"]);
    }

    [Fact]
    public async Task Without_provider_usage_the_tokens_are_estimated_and_flagged()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = new FakeBehavior { ReportUsage = false };
        await using var host = await StartAsync(EmbeddingModel(), (provider, Embedding(provider, "e1")));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"twelve chars"}"""), Token);
        var usage = (await BodyOf(response))["usage"]!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (int)usage["prompt_tokens"]!);
        Assert.True((bool)usage["chatplatform"]!["estimated"]!);
    }

    [Theory]
    [InlineData(FakeFailure.ServerError)]
    [InlineData(FakeFailure.RateLimited)]
    [InlineData(FakeFailure.ResetMidStream)]
    [InlineData(FakeFailure.MalformedChunk)]
    public async Task A_failing_deployment_fails_over_to_the_next_before_an_answer(FakeFailure failure)
    {
        await using var failing = await FakeOpenAIServer.StartAsync(Token);
        await using var healthy = await FakeOpenAIServer.StartAsync(Token);
        failing.Behavior = FakeBehavior.Failing(failure);
        await using var host = await StartAsync(EmbeddingModel(),
            (failing, Embedding(failing, "primary", priority: 0)), (healthy, Embedding(healthy, "secondary", priority: 1)));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"hello"}"""), Token);
        var body = await BodyOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("secondary", (string?)body["usage"]!["chatplatform"]!["deployment"]);
        Assert.Equal(FakeOpenAIServer.Vector("hello", 0, 3), Floats(body["data"]![0]!["embedding"]!));
        Assert.Equal(1, failing.CallCount);
        Assert.Equal(1, healthy.CallCount);
    }

    [Fact]
    public async Task A_rate_limited_deployment_is_skipped_until_its_Retry_After_and_all_failing_is_a_503_naming_each()
    {
        await using var limited = await FakeOpenAIServer.StartAsync(Token);
        await using var broken = await FakeOpenAIServer.StartAsync(Token);
        limited.Behavior = FakeBehavior.Failing(FakeFailure.RateLimited) with { RetryAfterSeconds = 60 };
        broken.Behavior = FakeBehavior.Failing(FakeFailure.ServerError);
        await using var host = await StartAsync(EmbeddingModel(),
            (limited, Embedding(limited, "limited", priority: 0)), (broken, Embedding(broken, "broken", priority: 1)));

        using var first = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"a"}"""), Token);
        using var second = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"a"}"""), Token);
        var error = (await BodyOf(second))["error"]!;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal("all_deployments_failed", (string?)error["code"]);
        Assert.Contains("limited: rate limited until", (string?)error["message"], StringComparison.Ordinal);
        Assert.Contains("broken: 500", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(1, limited.CallCount);
        Assert.Equal(2, broken.CallCount);
    }

    [Fact]
    public async Task A_providers_400_is_the_callers_400_and_is_not_failed_over()
    {
        await using var rejecting = await FakeOpenAIServer.StartAsync(Token);
        await using var other = await FakeOpenAIServer.StartAsync(Token);
        rejecting.Behavior = FakeBehavior.Failing(FakeFailure.BadRequest) with { ErrorMessage = "This input is not allowed." };
        await using var host = await StartAsync(EmbeddingModel(),
            (rejecting, Embedding(rejecting, "first", priority: 0)), (other, Embedding(other, "second", priority: 1)));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"a"}"""), Token);
        var error = (await BodyOf(response))["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("This input is not allowed.", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(0, other.CallCount);
    }

    [Fact]
    public async Task Vectors_of_the_wrong_length_are_a_deployment_fault_and_fail_over()
    {
        await using var wrong = await FakeOpenAIServer.StartAsync(Token);
        await using var right = await FakeOpenAIServer.StartAsync(Token);
        wrong.Behavior = new FakeBehavior { EmbeddingDimensions = 5 };
        await using var host = await StartAsync(EmbeddingModel(),
            (wrong, Embedding(wrong, "wrong", priority: 0)), (right, Embedding(right, "right", priority: 1)));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"a"}"""), Token);
        var body = await BodyOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("right", (string?)body["usage"]!["chatplatform"]!["deployment"]);
        Assert.Equal(3, body["data"]![0]!["embedding"]!.AsArray().Count);
    }

    [Fact]
    public async Task Azure_OpenAI_is_called_at_its_deployments_path_with_its_api_key_header_and_version()
    {
        await using var azure = await FakeOpenAIServer.StartAsync(Token);
        await using var host = await StartAsync(EmbeddingModel(), (azure, Embedding(azure, "azure-emb", provider: ProviderKind.AzureOpenAI)));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":["x","yy"]}"""), Token);
        var body = await BodyOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAIServer.Vector("yy", 1, 3), Floats(body["data"]![1]!["embedding"]!));
        var sent = Assert.Single(azure.Requests);
        Assert.Equal("/openai/deployments/azure-emb-provider-model/embeddings", sent.Path);
        Assert.Equal($"?api-version={EmbeddingClientFactory.AzureApiVersion}", sent.Query);
        Assert.Equal(FakeProviderServer.ApiKey, sent.Header("api-key"));
        Assert.Null(sent.Header("Authorization"));
    }

    [Theory]
    [InlineData("https://res.openai.azure.com", "https://res.openai.azure.com/openai/deployments/emb%2F1/embeddings?api-version=2024-10-21")]
    [InlineData("https://res.openai.azure.com/openai/v1/", "https://res.openai.azure.com/openai/deployments/emb%2F1/embeddings?api-version=2024-10-21")]
    public void The_Azure_path_is_built_from_the_resource_or_its_v1_endpoint(string resource, string expected) =>
        Assert.Equal(expected, EmbeddingClientFactory.AzureEmbeddingsUri(new Uri(resource), "emb/1").AbsoluteUri);

    [Fact]
    public async Task Dimensions_reach_the_provider_and_base64_goes_both_ways()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = new FakeBehavior { Base64Embeddings = true };
        await using var host = await StartAsync(EmbeddingModel(dimensions: 3), (provider, Embedding(provider, "e1")));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""
            {"model":"embed-model","input":"abcd","dimensions":2,"encoding_format":"base64"}
            """), Token);
        var encoded = (string)(await BodyOf(response))["data"]![0]!["embedding"]!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (int)Assert.Single(provider.Requests).Body["dimensions"]!);
        Assert.Equal(FakeOpenAIServer.Vector("abcd", 0, 2), MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(encoded)).ToArray());
    }

    [Theory]
    [InlineData("""{"model":"embed-model","input":""}""", "input")]
    [InlineData("""{"model":"embed-model","input":"   "}""", "input")]
    [InlineData("""{"model":"embed-model","input":[]}""", "input")]
    [InlineData("""{"model":"embed-model"}""", "input")]
    [InlineData("""{"model":"embed-model","input":["a",1]}""", "input[1]")]
    [InlineData("""{"model":"embed-model","input":[[1,2,3]]}""", "input[0]")]
    [InlineData("""{"model":"embed-model","input":["a",null]}""", "input[1]")]
    [InlineData("""{"model":"embed-model","input":{"text":"a"}}""", "input")]
    [InlineData("""{"model":"embed-model","input":["ok","a\u0000b"]}""", "input[1]")]
    [InlineData("""{"model":"embed-model","input":"a","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"model":"embed-model","input":"a","dimensions":0}""", "dimensions")]
    [InlineData("""{"model":"embed-model","input":"a","dimensions":"2"}""", "dimensions")]
    [InlineData("""{"model":"embed-model","input":"a","dimensions":4}""", "dimensions")]
    [InlineData("""{"model":"embed-model","input":"a","user":7}""", "user")]
    [InlineData("""{"input":"a"}""", "model")]
    [InlineData("""["embed-model"]""", null)]
    [InlineData("""{"model":"embed-model","input":"a""", null)]
    [InlineData("""{"model":"embed-model","input":["ok","\ud800"]}""", null)]
    public async Task Bad_input_is_a_400_in_OpenAIs_error_shape_and_reaches_no_provider(string request, string? param)
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        await using var host = await StartAsync(EmbeddingModel(), (provider, Embedding(provider, "e1")));

        using var response = await host.Client.PostAsync("/v1/embeddings", Json(request), Token);
        var error = (await BodyOf(response))["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.Equal(0, provider.CallCount);
    }

    [Fact]
    public async Task More_inputs_than_OpenAI_allows_or_an_input_longer_than_the_model_takes_is_a_400()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        await using var host = await StartAsync(EmbeddingModel(maxInputTokens: 100), (provider, Embedding(provider, "e1")));
        var tooMany = new JsonObject { ["model"] = "embed-model", ["input"] = new JsonArray([.. Enumerable.Range(0, 2049).Select(_ => (JsonNode)"a")]) };
        var tooLong = new JsonObject { ["model"] = "embed-model", ["input"] = new JsonArray("short", new string('x', 401)) };
        var justFits = new JsonObject { ["model"] = "embed-model", ["input"] = new JsonArray(new string('x', 400)) };

        using var many = await host.Client.PostAsync("/v1/embeddings", Json(tooMany.ToJsonString()), Token);
        using var longer = await host.Client.PostAsync("/v1/embeddings", Json(tooLong.ToJsonString()), Token);
        var manyError = (await BodyOf(many))["error"]!;
        var longError = (await BodyOf(longer))["error"]!;
        Assert.Equal(0, provider.CallCount);
        using var fits = await host.Client.PostAsync("/v1/embeddings", Json(justFits.ToJsonString()), Token);

        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Contains("2049", (string?)manyError["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, longer.StatusCode);
        Assert.Equal("context_length_exceeded", (string?)longError["code"]);
        Assert.Contains("input[1]", (string?)longError["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(1, provider.CallCount);
    }

    [Fact]
    public async Task An_Anthropic_model_is_refused_with_a_clear_400_and_an_embedding_model_is_refused_by_chat()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        var claude = new ModelDefinition("claude-x", "Claude", 200_000, 8_192, new ModelCapabilities(Vision: true, Tools: true));
        var catalog = new InMemoryCatalog([EmbeddingModel(), claude],
        [
            Embedding(provider, "e1"),
            new DeploymentDefinition("anthropic-claude-x", "claude-x", ProviderKind.Anthropic, "claude-x", new Uri("https://example.invalid"), null, 0, 1, Pricing.Free),
        ]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var embedClaude = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"claude-x","input":"a"}"""), Token);
        using var chatWithEmbedder = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"embed-model","messages":[{"role":"user","content":"Hi"}]}
            """), Token);
        var claudeError = (await BodyOf(embedClaude))["error"]!;
        var chatError = (await BodyOf(chatWithEmbedder))["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, embedClaude.StatusCode);
        Assert.Equal("model_not_embedding", (string?)claudeError["code"]);
        Assert.Contains("Anthropic", (string?)claudeError["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, chatWithEmbedder.StatusCode);
        Assert.Equal("model_not_chat", (string?)chatError["code"]);
        Assert.Equal(0, provider.CallCount);
    }

    [Fact]
    public async Task An_Anthropic_deployment_under_an_embedding_model_is_skipped_with_its_reason()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        var anthropic = new DeploymentDefinition("anthropic-e", "embed-model", ProviderKind.Anthropic, "x", new Uri("https://example.invalid"), null, 0, 1, Pricing.Free);
        await using var host = await RoutingTestHost.StartAsync(
            new InMemoryCatalog([EmbeddingModel()], [anthropic, Embedding(provider, "e1", priority: 1)]),
            clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/embeddings", Json("""{"model":"embed-model","input":"a"}"""), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("e1", (string?)(await BodyOf(response))["usage"]!["chatplatform"]!["deployment"]);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Tests.Catalog;
using ChatPlatform.Testing;

namespace ChatPlatform.ModelRouter.Tests.Apis;

public sealed class ModelsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private async Task<RouterTestHost> StartAsync(IDictionary<string, string?>? settings = null) =>
        await RouterTestHost.StartAsync(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString, settings);

    [Fact]
    public async Task Without_provider_keys_the_simulated_models_are_listed_and_marked_simulated()
    {
        await using var router = await StartAsync();

        var list = await router.Client.GetFromJsonAsync<JsonObject>("/v1/models", Cancellation);

        Assert.Equal("list", (string?)list!["object"]);
        var models = list["data"]!.AsArray();
        Assert.Equal(["sim-fast", "sim-smart", "sim-vision"], models.Select(m => (string)m!["id"]!));
        Assert.All(models, m =>
        {
            Assert.Equal("model", (string?)m!["object"]);
            Assert.True((bool)m["simulated"]!);
            Assert.Equal("simulator", (string?)m["owned_by"]);
            Assert.Contains("(simulated)", (string)m["display_name"]!, StringComparison.Ordinal);
            Assert.True((long)m["created"]! > 1_700_000_000);
            Assert.True((int)m["context_window"]! > 0);
            Assert.True((int)m["max_output_tokens"]! > 0);
        });
        var vision = models.Single(m => (string)m!["id"]! == "sim-vision")!;
        Assert.True((bool)vision["capabilities"]!["vision"]!);
        Assert.False((bool)models.Single(m => (string)m!["id"]! == "sim-fast")!["capabilities"]!["vision"]!);
    }

    [Fact]
    public async Task A_models_pricing_is_per_kind_of_token_the_dearest_of_its_enabled_deployments()
    {
        await using var router = await StartAsync();
        var dearerOutput = await router.Client.PutAsJsonAsync("/v1/admin/deployments/sim-fast-2", new
        {
            modelId = "sim-fast", provider = "Simulator", providerModel = "sim-fast", priority = 1, weight = 1, enabled = true,
            price = new { inputPerMillion = 0.05m, cachedInputPerMillion = 0.01m, outputPerMillion = 0.90m },
        }, Cancellation);
        var disabled = await router.Client.PutAsJsonAsync("/v1/admin/deployments/sim-fast-3", new
        {
            modelId = "sim-fast", provider = "Simulator", providerModel = "sim-fast", priority = 2, weight = 1, enabled = false,
            price = new { inputPerMillion = 99m, outputPerMillion = 99m },
        }, Cancellation);

        var pricing = (await router.Client.GetFromJsonAsync<JsonObject>("/v1/models/sim-fast", Cancellation))!["pricing"]!;

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created], [dearerOutput.StatusCode, disabled.StatusCode]);
        // sim-fast-1 lists 0.10 / 0.05 / 0.40; the disabled deployment counts for nothing.
        Assert.Equal((0.10m, 0.05m, 0.90m), ((decimal)pricing["input_per_million"]!, (decimal)pricing["cached_input_per_million"]!,
            (decimal)pricing["output_per_million"]!));
    }

    [Fact]
    public async Task The_official_OpenAI_client_gets_one_model_and_an_unknown_one_is_OpenAIs_404()
    {
        await using var router = await StartAsync();
        // The router's own port wants an internal token, which OpenAI's clients send as their API key.
        var models = new global::OpenAI.Models.OpenAIModelClient(
            new System.ClientModel.ApiKeyCredential(InternalTokens.Mint("user", Guid.NewGuid())), new global::OpenAI.OpenAIClientOptions { Endpoint = new Uri(router.Client.BaseAddress!, "v1/") });

        var model = (await models.GetModelAsync("sim-vision", Cancellation)).Value;
        using var unknown = await router.Client.GetAsync("/v1/models/meta-llama/unknown-8b", Cancellation);
        var error = await unknown.Content.ReadFromJsonAsync<JsonObject>(Cancellation);
        var thrown = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => models.GetModelAsync("no-such-model", Cancellation));

        Assert.Equal(("sim-vision", "simulator"), (model.Id, model.OwnedBy));
        var listed = await router.Client.GetFromJsonAsync<JsonObject>("/v1/models/sim-vision", Cancellation);
        Assert.True((bool)listed!["capabilities"]!["vision"]!);
        Assert.True((bool)listed["simulated"]!);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(("model_not_found", "model"), ((string?)error!["error"]!["code"], (string?)error["error"]!["param"]));
        Assert.Contains("meta-llama/unknown-8b", (string?)error["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(404, thrown.Status);
    }

    [Fact]
    public async Task An_OpenAI_key_adds_its_models_and_the_key_appears_in_no_response()
    {
        const string key = "sk-test-6b1f0c3a9e7d4f21b8c5a0e9d3f7b2c1";
        await using var router = await StartAsync(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = key });

        var models = await router.ListModelsAsync();

        Assert.Equal(["gpt-4o", "gpt-4o-mini", "o4-mini"], models.Select(m => (string)m!["id"]!));
        // The reasoning model takes no temperature: clients see it, and the router drops one sent to it.
        Assert.Equal([true, true, false], models.Select(m => (bool)m!["capabilities"]!["temperature"]!));
        Assert.All(models, m => Assert.False((bool)m!["simulated"]!));
        Assert.All(models, m => Assert.Equal("openai", (string?)m!["owned_by"]));
        var deployment = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/deployments/openai-gpt-4o", Cancellation);
        Assert.Equal("OPENAI_API_KEY", (string?)deployment!["apiKeySetting"]);
        Assert.True((bool)deployment["apiKeyConfigured"]!);
        foreach (var path in new[]
                 {
                     "/v1/models", "/v1/admin/models", "/v1/admin/models/gpt-4o", "/v1/admin/deployments",
                     "/v1/admin/deployments/openai-gpt-4o", "/health",
                 })
        {
            // Read whatever the status: /health may be 503 for a moment, and its body must not leak either.
            using var response = await router.Client.GetAsync(path, Cancellation);
            var body = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.DoesNotContain(key, body, StringComparison.Ordinal);
            Assert.DoesNotContain("6b1f0c3a", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Disabled_models_and_models_without_an_enabled_deployment_are_not_listed()
    {
        await using var router = await StartAsync();

        var disableModel = await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-fast", new { enabled = false }, Cancellation);
        var disableDeployment = await router.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-vision-1", new { enabled = false }, Cancellation);
        var disableOneOfTwo = await router.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-smart-primary", new { enabled = false }, Cancellation);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            [disableModel.StatusCode, disableDeployment.StatusCode, disableOneOfTwo.StatusCode]);
        Assert.Equal(["sim-smart"], await router.ListedModelIdsAsync());
    }
}

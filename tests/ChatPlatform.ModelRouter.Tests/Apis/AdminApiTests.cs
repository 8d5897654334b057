using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Tests.Catalog;
using ChatPlatform.Testing;

namespace ChatPlatform.ModelRouter.Tests.Apis;

public sealed class AdminApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static object ValidModel => new { displayName = "Test model", contextWindow = 8192, maxOutputTokens = 1024 };

    private static JsonObject ValidDeployment(string modelId = "sim-fast") => new()
    {
        ["modelId"] = modelId,
        ["provider"] = "openAICompatible",
        ["providerModel"] = "llama3",
        ["endpoint"] = "http://127.0.0.1:11434/v1",
        ["apiKeySetting"] = "Providers:Keys:local_llm",
        ["priority"] = 0,
        ["weight"] = 1,
        ["price"] = new JsonObject { ["inputPerMillion"] = 1.5, ["outputPerMillion"] = 2 },
    };

    private async Task<RouterTestHost> StartAsync() =>
        await RouterTestHost.StartAsync(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString);

    [Fact]
    public async Task A_model_and_deployment_created_through_the_admin_API_are_listed_without_a_restart()
    {
        await using var router = await StartAsync();

        var model = await router.Client.PutAsJsonAsync("/v1/admin/models/local-llama", new
        {
            displayName = "Llama (local)", contextWindow = 32768, maxOutputTokens = 2048,
            capabilities = new { tools = true }, strategy = "weighted",
        }, Cancellation);
        Assert.Equal(HttpStatusCode.Created, model.StatusCode);
        Assert.DoesNotContain("local-llama", await router.ListedModelIdsAsync());

        var deployment = await router.Client.PutAsJsonAsync("/v1/admin/deployments/local-llama-1", ValidDeployment("local-llama"), Cancellation);

        Assert.Equal(HttpStatusCode.Created, deployment.StatusCode);
        var listed = (await router.ListModelsAsync()).Single(m => (string)m!["id"]! == "local-llama")!;
        Assert.Equal(("Llama (local)", 32768, 2048, false), ((string)listed["display_name"]!, (int)listed["context_window"]!,
            (int)listed["max_output_tokens"]!, (bool)listed["simulated"]!));
        Assert.True((bool)listed["capabilities"]!["tools"]!);
        var stored = (await deployment.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.Equal(("openAICompatible", "admin", 1.5m, 1.5m, false), ((string)stored["provider"]!, (string)stored["source"]!,
            (decimal)stored["price"]!["inputPerMillion"]!, (decimal)stored["price"]!["cachedInputPerMillion"]!, (bool)stored["apiKeyConfigured"]!));
        var snapshot = router.Catalog.Current;
        Assert.Equal(ModelRouter.Model.RoutingStrategy.Weighted, snapshot.FindModel("local-llama")!.Strategy);
        Assert.Equal("local-llama-1", Assert.Single(snapshot.DeploymentsOf("local-llama")).Id);
    }

    [Fact]
    public async Task Weight_priority_price_and_enabled_of_a_deployment_change_without_a_restart()
    {
        await using var router = await StartAsync();

        var patch = await router.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-smart-secondary", new
        {
            priority = 0, weight = 7, price = new { outputPerMillion = 4.25 }, enabled = true,
        }, Cancellation);
        var replace = await router.Client.PutAsJsonAsync("/v1/admin/deployments/sim-smart-primary", new
        {
            modelId = "sim-smart", provider = "Simulator", providerModel = "sim-smart", priority = 5, weight = 0, enabled = false,
            price = new { inputPerMillion = 0, outputPerMillion = 0 },
        }, Cancellation);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], [patch.StatusCode, replace.StatusCode]);
        var patched = (await patch.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.Equal((0, 7, 4.25m, 1.00m, 2L), ((int)patched["priority"]!, (int)patched["weight"]!,
            (decimal)patched["price"]!["outputPerMillion"]!, (decimal)patched["price"]!["inputPerMillion"]!, (long)patched["version"]!));
        var smart = router.Catalog.Current.DeploymentsOf("sim-smart");
        var secondary = Assert.Single(smart);
        Assert.Equal(("sim-smart-secondary", 0, 7, 4.25m), (secondary.Id, secondary.Priority, secondary.Weight, secondary.Price.OutputPerMillion));
        var primary = router.Catalog.Current.Deployments.Single(d => d.Id == "sim-smart-primary");
        Assert.Equal((5, 0, false), (primary.Priority, primary.Weight, primary.Enabled));
    }

    [Fact]
    public async Task Deleting_a_model_removes_it_and_its_deployments_and_deleting_a_deployment_unlists_a_model_left_without_one()
    {
        await using var router = await StartAsync();

        var deleteModel = await router.Client.DeleteAsync("/v1/admin/models/sim-smart", Cancellation);
        var deleteDeployment = await router.Client.DeleteAsync("/v1/admin/deployments/sim-fast-1", Cancellation);

        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent], [deleteModel.StatusCode, deleteDeployment.StatusCode]);
        Assert.Equal(["sim-vision"], await router.ListedModelIdsAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/deployments/sim-smart-primary", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await router.Client.GetAsync("/v1/admin/models/sim-fast", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Replacing_a_model_answers_200_and_bumps_its_version()
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsJsonAsync("/v1/admin/models/sim-fast", ValidModel, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.Equal(("Test model", 2L, "admin"), ((string)body["displayName"]!, (long)body["version"]!, (string)body["source"]!));
        Assert.Equal("Test model", (string)(await router.ListModelsAsync()).Single(m => (string)m!["id"]! == "sim-fast")!["display_name"]!);
    }

    public static TheoryData<string, string, string> InvalidModels => new()
    {
        { "Bad_Id", """{"displayName":"x","contextWindow":1,"maxOutputTokens":1}""", "id" },
        { new string('a', 65), """{"displayName":"x","contextWindow":1,"maxOutputTokens":1}""", "id" },
        { "has space", """{"displayName":"x","contextWindow":1,"maxOutputTokens":1}""", "id" },
        { "m", """{"contextWindow":1,"maxOutputTokens":1}""", "displayName" },
        { "m", """{"displayName":" ","contextWindow":1,"maxOutputTokens":1}""", "displayName" },
        { "m", """{"displayName":"x","contextWindow":0,"maxOutputTokens":1}""", "contextWindow" },
        { "m", """{"displayName":"x","maxOutputTokens":1}""", "contextWindow" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":-5}""", "maxOutputTokens" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":1,"strategy":"fastest"}""", "strategy" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":1,"strategy":"1"}""", "strategy" },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public async Task An_invalid_model_is_answered_400_naming_the_field_and_nothing_is_written(string id, string body, string field)
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsync(
            $"/v1/admin/models/{Uri.EscapeDataString(id)}", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        await AssertValidationProblemAsync(response, field);
        var models = await router.Client.GetFromJsonAsync<JsonArray>("/v1/admin/models", Cancellation);
        Assert.Equal(["sim-fast", "sim-smart", "sim-vision"], models!.Select(m => (string)m!["id"]!));
        Assert.Equal(3, router.Catalog.Current.Models.Count);
    }

    public static TheoryData<string, string, JsonNode?> InvalidDeployments => new()
    {
        { "Bad!", "modelId", "sim-fast" }, // the id; the field patched is harmless
        { "d", "modelId", "Not An Id" },
        { "d", "modelId", null },
        { "d", "provider", "Bedrock" },
        { "d", "provider", "2" },
        { "d", "providerModel", "" },
        { "d", "endpoint", "not a uri" },
        { "d", "endpoint", "ftp://example.com/v1" },
        { "d", "endpoint", "/relative/path" },
        { "d", "endpoint", "https://user:pass@example.com/v1" },
        { "d", "apiKeySetting", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789" },
        { "d", "apiKeySetting", "sk-ant-api03-abc" },
        { "d", "apiKeySetting", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4" },
        { "d", "apiKeySetting", "MY-KEY" },
        { "d", "apiKeySetting", "1KEY" },
        { "d", "priority", -1 },
        { "d", "weight", -1 },
        { "d", "price.inputPerMillion", -0.01 },
        { "d", "price.cachedInputPerMillion", -1 },
        { "d", "price.outputPerMillion", -1 },
        { "d", "price.outputPerMillion", null },
        { "d", "simulator.tokensPerSecond", 0 },
        { "d", "simulator.timeToFirstTokenMs", -1 },
    };

    [Theory]
    [MemberData(nameof(InvalidDeployments))]
    public async Task An_invalid_deployment_is_answered_400_naming_the_field_and_nothing_is_written(string id, string field, JsonNode? value)
    {
        await using var router = await StartAsync();
        var body = ValidDeployment();
        var expected = id == "d" ? field : "id";
        if (id != "d")
        {
            // Only the id is wrong.
        }
        else if (field.Split('.') is [var parent, var child])
        {
            var node = body[parent] as JsonObject ?? new JsonObject();
            body[parent] = node;
            node[child] = value?.DeepClone();
            if (value is null)
            {
                node.Remove(child);
            }
        }
        else if (value is null)
        {
            body.Remove(field);
        }
        else
        {
            body[field] = value.DeepClone();
        }

        var response = await router.Client.PutAsJsonAsync($"/v1/admin/deployments/{Uri.EscapeDataString(id)}", body, Cancellation);

        await AssertValidationProblemAsync(response, expected);
        var deployments = await router.Client.GetFromJsonAsync<JsonArray>("/v1/admin/deployments", Cancellation);
        Assert.Equal(4, deployments!.Count);
        Assert.Equal(4, router.Catalog.Current.Deployments.Count);
    }

    [Fact]
    public async Task A_deployment_of_a_model_that_does_not_exist_is_answered_400_naming_modelId()
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsJsonAsync("/v1/admin/deployments/d", ValidDeployment("no-such-model"), Cancellation);

        await AssertValidationProblemAsync(response, "modelId");
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/deployments/d", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task A_patch_that_breaks_a_rule_is_answered_400_and_changes_nothing()
    {
        await using var router = await StartAsync();

        var response = await router.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-fast-1", new { weight = -3, priority = 9 }, Cancellation);

        await AssertValidationProblemAsync(response, "weight");
        var stored = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/deployments/sim-fast-1", Cancellation);
        Assert.Equal((0, 1, 1L), ((int)stored!["priority"]!, (int)stored["weight"]!, (long)stored["version"]!));
    }

    [Fact]
    public async Task Unknown_ids_are_answered_404_with_problem_details()
    {
        await using var router = await StartAsync();
        var client = router.Client;

        HttpResponseMessage[] responses =
        [
            await client.GetAsync("/v1/admin/models/nope", Cancellation),
            await client.PatchAsJsonAsync("/v1/admin/models/nope", new { enabled = false }, Cancellation),
            await client.DeleteAsync("/v1/admin/models/nope", Cancellation),
            await client.GetAsync("/v1/admin/deployments/nope", Cancellation),
            await client.PatchAsJsonAsync("/v1/admin/deployments/nope", new { weight = 2 }, Cancellation),
            await client.DeleteAsync("/v1/admin/deployments/nope", Cancellation),
        ];

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
    }

    [Theory]
    [InlineData("/v1/admin/models/m", "{\"displayName\": ")]
    [InlineData("/v1/admin/models/m", "{\"displayName\":\"x\",\"contextWindow\":\"big\",\"maxOutputTokens\":1}")]
    [InlineData("/v1/admin/models/m", "{\"displayName\":\"x\",\"contextWindow\":99999999999,\"maxOutputTokens\":1}")]
    [InlineData("/v1/admin/deployments/d", "[1,2]")]
    [InlineData("/v1/admin/deployments/d", "{\"modelId\":\"sim-fast\",\"simulator\":{\"failure\":\"explode\"}}")]
    public async Task Malformed_json_is_answered_400_and_nothing_is_written(string path, string body)
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync(path, Cancellation)).StatusCode);
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"No error for '{field}' in {text}");
    }
}

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
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":0}""", "maxOutputTokens" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":0,"capabilities":{"embeddingDimensions":0}}""", "capabilities.embeddingDimensions" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":0,"capabilities":{"embeddingDimensions":20000}}""", "capabilities.embeddingDimensions" },
        { "m", """{"displayName":"x","contextWindow":1,"maxOutputTokens":0,"capabilities":{"tools":true,"embeddingDimensions":8}}""", "capabilities" },
    };

    [Fact]
    public async Task An_embedding_model_is_stored_with_its_dimensions_and_no_output_tokens()
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsJsonAsync("/v1/admin/models/my-embed",
            new { displayName = "My embedder", contextWindow = 8191, maxOutputTokens = 0, capabilities = new { embeddingDimensions = 1536 } }, Cancellation);
        var stored = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/models/my-embed", Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1536, (int)stored!["capabilities"]!["embeddingDimensions"]!);
        Assert.Equal(0, (int)stored["maxOutputTokens"]!);
        Assert.Null(stored["capabilities"]!["embeddings"]);
    }

    [Fact]
    public async Task A_model_without_temperature_is_stored_listed_so_and_kept_by_a_patch_that_leaves_it_out()
    {
        await using var router = await StartAsync();

        var created = await router.Client.PutAsJsonAsync("/v1/admin/models/sim-fast",
            new { displayName = "Reasoner", contextWindow = 200_000, maxOutputTokens = 100_000, capabilities = new { tools = true, temperature = false } },
            Cancellation);
        var patched = await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-fast", new { displayName = "Reasoner 2" }, Cancellation);
        var stored = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/models/sim-fast", Cancellation);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (created.StatusCode, patched.StatusCode));
        Assert.False((bool)stored!["capabilities"]!["temperature"]!);
        var listed = await router.ListModelsAsync();
        Assert.False((bool)listed.Single(m => (string)m!["id"]! == "sim-fast")!["capabilities"]!["temperature"]!);
        Assert.True((bool)listed.Single(m => (string)m!["id"]! == "sim-smart")!["capabilities"]!["temperature"]!);
    }

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public async Task An_invalid_model_is_answered_400_naming_the_field_and_nothing_is_written(string id, string body, string field)
    {
        await using var router = await StartAsync();

        var response = await router.Client.PutAsync(
            $"/v1/admin/models/{Uri.EscapeDataString(id)}", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        await AssertValidationProblemAsync(response, field);
        var models = await router.Client.GetFromJsonAsync<JsonArray>("/v1/admin/models", Cancellation);
        Assert.Equal(["sim-embed", "sim-fast", "sim-smart", "sim-vision"], models!.Select(m => (string)m!["id"]!));
        Assert.Equal(4, router.Catalog.Current.Models.Count);
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
        // Settings that are not provider keys: the key is sent to the endpoint as a bearer.
        { "d", "apiKeySetting", "ConnectionStrings:chatdb" },
        { "d", "apiKeySetting", "ConnectionStrings:redis" },
        { "d", "apiKeySetting", "Internal:Key" },
        { "d", "apiKeySetting", "Auth:SigningKey" },
        { "d", "apiKeySetting", "PATH" },
        { "d", "apiKeySetting", "LOCAL_LLM_KEY" },
        { "d", "apiKeySetting", "Providers:Keys:" },
        { "d", "apiKeySetting", "Providers:Keys:a:b" },
        { "d", "apiKeySetting", "providers:keys:x" },
        { "d", "endpoint", "http://169.254.169.254/latest/meta-data/" },
        { "d", "endpoint", "http://169.254.170.2/v2/credentials" },
        { "d", "endpoint", "http://2852039166/latest/meta-data/" },
        { "d", "endpoint", "http://0xA9FEA9FE/latest/meta-data/" },
        { "d", "endpoint", "http://[fe80::1]/v1" },
        { "d", "endpoint", "http://[::ffff:169.254.169.254]/v1" },
        { "d", "endpoint", "http://[fd00:ec2::254]/latest" },
        { "d", "endpoint", "http://metadata.google.internal/computeMetadata/v1" },
        { "d", "endpoint", "http://METADATA.google.internal./v1" },
        { "d", "endpoint", "https://example.com/v1#fragment" },
        { "d", "endpoint", "https://user@example.com/v1" },
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
        Assert.Equal(5, deployments!.Count);
        Assert.Equal(5, router.Catalog.Current.Deployments.Count);
    }

    [Fact]
    public async Task A_deployment_naming_the_database_connection_string_as_its_key_is_refused_and_nothing_is_stored()
    {
        await using var router = await StartAsync();
        var attack = ValidDeployment();
        attack["apiKeySetting"] = "ConnectionStrings:chatdb";
        attack["endpoint"] = "http://attacker.example/v1";

        var put = await router.Client.PutAsJsonAsync("/v1/admin/deployments/x", attack, Cancellation);
        var patch = await router.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-fast-1",
            new { provider = "openAICompatible", endpoint = "http://attacker.example/v1", apiKeySetting = "ConnectionStrings:chatdb" }, Cancellation);

        await AssertValidationProblemAsync(put, "apiKeySetting");
        await AssertValidationProblemAsync(patch, "apiKeySetting");
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/deployments/x", Cancellation)).StatusCode);
        var stored = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/deployments/sim-fast-1", Cancellation);
        Assert.Equal(("simulator", 1L), ((string)stored!["provider"]!, (long)stored["version"]!));
        Assert.DoesNotContain(router.Catalog.Current.Deployments, d => d.ApiKeySetting == "ConnectionStrings:chatdb");
        var audit = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/audit", Cancellation);
        Assert.Empty(audit!["items"]!.AsArray());
    }

    [Theory]
    [InlineData("Providers:Keys:local_llm", "http://127.0.0.1:11434/v1")]
    [InlineData("OPENAI_COMPATIBLE_API_KEY", "http://localhost:8000/v1")]
    [InlineData("OPENAI_API_KEY", "https://api.openai.com/v1")]
    [InlineData("Providers:Keys:vllm", "http://10.0.0.5:8000/v1")]
    [InlineData("Providers:Keys:vllm", "http://192.168.1.20:8000/v1")]
    [InlineData("Providers:Keys:ollama", "http://[::1]:11434/v1")]
    [InlineData(null, "http://vllm.internal:8000/v1")]
    public async Task Provider_keys_and_self_hosted_endpoints_are_accepted(string? apiKeySetting, string endpoint)
    {
        await using var router = await StartAsync();
        var deployment = ValidDeployment();
        deployment["apiKeySetting"] = apiKeySetting;
        deployment["endpoint"] = endpoint;

        var response = await router.Client.PutAsJsonAsync("/v1/admin/deployments/self-hosted", deployment, Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Every_admin_change_is_audited_with_who_when_what_before_and_after_newest_first()
    {
        await using var router = await StartAsync();
        var started = DateTimeOffset.UtcNow.AddSeconds(-5);

        Assert.Equal(HttpStatusCode.Created, (await router.Client.PutAsJsonAsync("/v1/admin/models/audited", ValidModel, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await router.Client.PutAsJsonAsync("/v1/admin/deployments/audited-1", ValidDeployment("audited"), Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await router.Client.PatchAsJsonAsync("/v1/admin/deployments/audited-1", new { weight = 5 }, Cancellation)).StatusCode);
        // Unchanged: nothing happened, so nothing is audited.
        Assert.Equal(HttpStatusCode.OK, (await router.Client.PatchAsJsonAsync("/v1/admin/deployments/audited-1", new { weight = 5 }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await router.Client.DeleteAsync("/v1/admin/models/audited", Cancellation)).StatusCode);

        var page = (await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/audit", Cancellation))!;

        var items = page["items"]!.AsArray();
        Assert.Null(page["next"]);
        Assert.Equal(
            ["delete model audited", "delete deployment audited-1", "update deployment audited-1", "create deployment audited-1", "create model audited"],
            items.Select(e => $"{e!["action"]} {e["entity"]} {e["entityId"]}"));
        Assert.All(items, e => Assert.Equal((router.AdminId.ToString(), RouterTestHost.AdminEmail), ((string)e!["userId"]!, (string)e["userEmail"]!)));
        Assert.All(items, e => Assert.InRange(DateTimeOffset.Parse((string)e!["at"]!, System.Globalization.CultureInfo.InvariantCulture), started, DateTimeOffset.UtcNow.AddSeconds(5)));
        var update = items[2]!;
        Assert.Equal((1, 5), ((int)update["before"]!["weight"]!, (int)update["after"]!["weight"]!));
        Assert.Equal("Providers:Keys:local_llm", (string)update["after"]!["apiKeySetting"]!);
        Assert.Null(items[4]!["before"]);
        Assert.Equal("Test model", (string)items[4]!["after"]!["displayName"]!);
        Assert.Null(items[0]!["after"]);
        Assert.Equal("Test model", (string)items[0]!["before"]!["displayName"]!);

        var first = (await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/audit?limit=2", Cancellation))!;
        var second = (await router.Client.GetFromJsonAsync<JsonObject>($"/v1/admin/audit?limit=2&before={first["next"]}", Cancellation))!;
        Assert.Equal(
            items.Take(4).Select(e => (long)e!["id"]!),
            first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(e => (long)e!["id"]!));
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=201", "limit")]
    [InlineData("?before=0", "before")]
    public async Task A_bad_audit_page_is_answered_400(string query, string field)
    {
        await using var router = await StartAsync();

        await AssertValidationProblemAsync(await router.Client.GetAsync("/v1/admin/audit" + query, Cancellation), field);
    }

    [Fact]
    public async Task Only_an_admin_token_reaches_the_admin_API()
    {
        await using var router = await StartAsync();
        using var anonymous = router.ClientWith(null);
        using var user = router.ClientWith(InternalTokens.User(Guid.NewGuid()));
        using var service = router.ClientWith(InternalTokens.Service(Guid.NewGuid()));
        using var forged = router.ClientWith(InternalTokens.Bearer(InternalTokens.Mint("admin", Guid.NewGuid(),
            key: Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))));

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { anonymous, forged, user, service })
        {
            statuses.Add((await client.PutAsJsonAsync("/v1/admin/models/stolen", ValidModel, Cancellation)).StatusCode);
            statuses.Add((await client.GetAsync("/v1/admin/deployments", Cancellation)).StatusCode);
            statuses.Add((await client.GetAsync("/v1/admin/audit", Cancellation)).StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 6), .. Enumerable.Repeat(HttpStatusCode.Forbidden, 6)], statuses);
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/models/stolen", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/v1/models", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.GetAsync("/v1/models", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/models", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Cancellation)).StatusCode);
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
    [InlineData("/v1/admin/models/m", "{\"displayName\":\"x\",\"contextWindow\":1,\"maxOutputTokens\":1,\"capabilities\":{\"temperature\":\"no\"}}")]
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

    [Fact]
    public async Task A_nul_character_in_a_model_or_deployment_is_a_400_naming_the_field_and_nothing_is_written()
    {
        await using var router = await StartAsync();
        var deployment = ValidDeployment();
        // A C# NUL, which the JSON writer escapes as \u0000.
        deployment["providerModel"] = "llama\u00003";
        var refused = new (string Path, string Body, string Field)[]
        {
            ("/v1/admin/models/nul-model", """{"displayName":"Nul\u0000","contextWindow":8192,"maxOutputTokens":1024}""", "displayName"),
            ("/v1/admin/deployments/nul-deployment", deployment.ToJsonString(), "providerModel"),
        };

        foreach (var (path, body, field) in refused)
        {
            using var response = await router.Client.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)response.StatusCode}");
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
            Assert.StartsWith($"'{field}' contains a NUL character", (string?)problem["detail"], StringComparison.Ordinal);
        }
        using var byId = await router.Client.GetAsync("/v1/admin/models/nul%00model", Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, byId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/models/nul-model", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await router.Client.GetAsync("/v1/admin/deployments/nul-deployment", Cancellation)).StatusCode);
    }
}

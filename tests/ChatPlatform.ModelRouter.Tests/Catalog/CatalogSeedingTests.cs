using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ChatPlatform.ModelRouter.Tests.Catalog;

public sealed class CatalogSeedingTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> ConfiguredCatalog => new()
    {
        // A configured real deployment would leave the simulated defaults out otherwise.
        ["Catalog:SimulatedModels"] = "Always",
        ["Catalog:Models:0:Id"] = "team-model",
        ["Catalog:Models:0:DisplayName"] = "Team model",
        ["Catalog:Models:0:ContextWindow"] = "16384",
        ["Catalog:Models:0:MaxOutputTokens"] = "2048",
        ["Catalog:Models:0:Tools"] = "true",
        ["Catalog:Models:0:Temperature"] = "false",
        ["Catalog:Models:0:Strategy"] = "LowestCost",
        ["Catalog:Deployments:0:Id"] = "team-model-vllm",
        ["Catalog:Deployments:0:ModelId"] = "team-model",
        ["Catalog:Deployments:0:Provider"] = "OpenAICompatible",
        ["Catalog:Deployments:0:ProviderModel"] = "Qwen/Qwen2.5-7B-Instruct",
        ["Catalog:Deployments:0:Endpoint"] = "http://127.0.0.1:8000/v1",
        ["Catalog:Deployments:0:ApiKeySetting"] = "Providers:Keys:vllm",
        ["Catalog:Deployments:0:Priority"] = "2",
        ["Catalog:Deployments:0:Price:InputPerMillion"] = "0.2",
        ["Catalog:Deployments:0:Price:OutputPerMillion"] = "0.6",
        // Configuration wins over the built-in default of the same id.
        ["Catalog:Models:1:Id"] = "sim-fast",
        ["Catalog:Models:1:DisplayName"] = "Fast (simulated, configured)",
        ["Catalog:Models:1:ContextWindow"] = "1000",
        ["Catalog:Models:1:MaxOutputTokens"] = "100",
        ["Catalog:Deployments:1:Id"] = "sim-fast-slow",
        ["Catalog:Deployments:1:ModelId"] = "sim-fast",
        ["Catalog:Deployments:1:Provider"] = "Simulator",
        ["Catalog:Deployments:1:Simulator:TimeToFirstTokenMs"] = "900",
        ["Catalog:Deployments:1:Simulator:Failure"] = "RateLimited",
    };

    [Fact]
    public async Task Configured_entries_are_upserted_over_the_defaults_and_a_restart_changes_nothing()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        IReadOnlyList<StoredModel> firstModels;
        IReadOnlyList<StoredDeployment> firstDeployments;
        await using (var first = await RouterTestHost.StartAsync(database, redis.ConnectionString, ConfiguredCatalog))
        {
            var store = first.Services.GetRequiredService<CatalogStore>();
            firstModels = await store.ListModelsAsync(Cancellation);
            firstDeployments = await store.ListDeploymentsAsync(Cancellation);
        }

        await using var second = await RouterTestHost.StartAsync(database, redis.ConnectionString, ConfiguredCatalog);

        var secondStore = second.Services.GetRequiredService<CatalogStore>();
        Assert.Equal(firstModels, await secondStore.ListModelsAsync(Cancellation));
        Assert.Equal(firstDeployments, await secondStore.ListDeploymentsAsync(Cancellation));
        Assert.All(firstModels.Concat<object>(firstDeployments), e => Assert.Equal(1L, e is StoredModel m ? m.Version : ((StoredDeployment)e).Version));

        var team = second.Catalog.Current.FindModel("team-model")!;
        Assert.Equal(new ModelDefinition("team-model", "Team model", 16384, 2048, new(Vision: false, Tools: true, Temperature: false), RoutingStrategy.LowestCost), team);
        Assert.True(second.Catalog.Current.FindModel("sim-smart")!.Capabilities.Temperature);
        var vllm = Assert.Single(second.Catalog.Current.DeploymentsOf("team-model"));
        Assert.Equal(
            new DeploymentDefinition("team-model-vllm", "team-model", ProviderKind.OpenAICompatible, "Qwen/Qwen2.5-7B-Instruct",
                new Uri("http://127.0.0.1:8000/v1"), "Providers:Keys:vllm", 2, 1, new Pricing(0.2m, 0m, 0.6m)),
            vllm);
        Assert.Equal("Fast (simulated, configured)", second.Catalog.Current.FindModel("sim-fast")!.DisplayName);
        var slow = second.Catalog.Current.Deployments.Single(d => d.Id == "sim-fast-slow");
        Assert.Equal((900, SimulatedFailure.RateLimited, 80), (slow.Simulator!.TimeToFirstTokenMs, slow.Simulator.Failure, slow.Simulator.AnswerTokens));
        Assert.Equal(CatalogEntrySource.Configuration, firstModels.Single(m => m.Definition.Id == "sim-fast").Source);
        Assert.Equal(CatalogEntrySource.Default, firstModels.Single(m => m.Definition.Id == "sim-smart").Source);
    }

    [Fact]
    public async Task A_restart_restores_configured_values_keeps_admin_entries_and_retires_defaults_no_longer_built()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        await using (var first = await RouterTestHost.StartAsync(database, redis.ConnectionString, ConfiguredCatalog))
        {
            var client = first.Client;
            Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync("/v1/admin/models/team-model", new { displayName = "Renamed" }, Cancellation)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsJsonAsync("/v1/admin/models/admin-model", new
            {
                displayName = "Admin model", contextWindow = 1000, maxOutputTokens = 100,
            }, Cancellation)).StatusCode);
            // An admin deployment on a default model keeps that model when the defaults change.
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsJsonAsync("/v1/admin/deployments/sim-vision-extra", new
            {
                modelId = "sim-vision", provider = "simulator", providerModel = "x", price = new { inputPerMillion = 0, outputPerMillion = 0 },
            }, Cancellation)).StatusCode);
        }

        var withKey = new Dictionary<string, string?>(ConfiguredCatalog)
        {
            ["ANTHROPIC_API_KEY"] = "test-key",
            ["Catalog:SimulatedModels"] = "Auto",
        };
        await using var second = await RouterTestHost.StartAsync(database, redis.ConnectionString, withKey);

        var snapshot = second.Catalog.Current;
        Assert.Equal("Team model", snapshot.FindModel("team-model")!.DisplayName);
        Assert.NotNull(snapshot.FindModel("admin-model"));
        Assert.Equal(
            ["admin-model", "claude-haiku-4-5", "claude-sonnet-4-5", "sim-fast", "sim-vision", "team-model"],
            snapshot.Models.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["anthropic-claude-haiku-4-5", "anthropic-claude-sonnet-4-5", "sim-fast-slow", "sim-vision-extra", "team-model-vllm"],
            snapshot.Deployments.Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Invalid_configuration_stops_start_up_with_the_entry_and_field_named()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        var settings = new Dictionary<string, string?>(ConfiguredCatalog)
        {
            ["Catalog:Deployments:0:ApiKeySetting"] = "sk-live-0123456789abcdef",
            ["Catalog:Deployments:0:Weight"] = "-1",
            ["Catalog:Deployments:1:ModelId"] = "missing-model",
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RouterTestHost.StartAsync(database, redis.ConnectionString, settings));

        Assert.Contains("Catalog:Deployments:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("apiKeySetting", error.Message, StringComparison.Ordinal);
        Assert.Contains("weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing-model", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_deployment_naming_a_setting_that_is_not_a_provider_key_stops_start_up()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        var settings = new Dictionary<string, string?>(ConfiguredCatalog)
        {
            ["Catalog:Deployments:0:ApiKeySetting"] = "ConnectionStrings:chatdb",
            ["Catalog:Deployments:0:Endpoint"] = "http://169.254.169.254/v1",
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RouterTestHost.StartAsync(database, redis.ConnectionString, settings));

        Assert.Contains("Catalog:Deployments:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("apiKeySetting", error.Message, StringComparison.Ordinal);
        Assert.Contains("endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_catalog_health_check_is_unhealthy_until_the_catalog_is_loaded()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(Cancellation));
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var catalog = new ModelCatalog(new CatalogStore(dataSource, new ChatPlatform.Audit.AdminAuditLog(dataSource, CatalogStore.Schema)), new ChatPlatform.Redis.RedisBreaker(connection), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelCatalog>.Instance);
        var check = new CatalogHealthCheck(catalog);

        var before = await check.CheckHealthAsync(new HealthCheckContext(), Cancellation);
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Empty(catalog.Current.Models);

        await using var router = await RouterTestHost.StartAsync(await postgres.CreateDatabaseAsync(Cancellation), redis.ConnectionString);
        var health = await router.Client.GetFromJsonAsync<JsonObject>("/health", Cancellation);
        Assert.Contains("catalog", health!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await router.Client.GetAsync("/health", Cancellation)).StatusCode);
    }
}

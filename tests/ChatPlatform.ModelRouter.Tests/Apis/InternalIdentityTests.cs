using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.ModelRouter.Tests.Apis;

/// <summary>The router as Program wires it: who may call what, on the router's own port.</summary>
public sealed class InternalIdentityTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<WebApplicationFactory<ModelRouter.Routing.ChatRouter>> StartAsync()
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        var factory = new WebApplicationFactory<ModelRouter.Routing.ChatRouter>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:redis", redis.ConnectionString);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            foreach (var setting in new[]
            {
                DefaultCatalog.OpenAIKeySetting, DefaultCatalog.AnthropicKeySetting, DefaultCatalog.AzureEndpointSetting,
                DefaultCatalog.AzureKeySetting, DefaultCatalog.AzureDeploymentSetting, DefaultCatalog.CompatibleBaseUrlSetting,
                DefaultCatalog.CompatibleModelSetting, DefaultCatalog.CompatibleKeySetting,
            })
            {
                web.UseSetting(setting, "");
            }
        });
        await factory.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        return factory;
    }

    [Fact]
    public async Task Every_admin_route_requires_the_admin_policy_and_every_other_route_but_health_a_caller()
    {
        await using var factory = await StartAsync();

        var endpoints = factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();

        var admin = endpoints.Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("v1/admin", StringComparison.Ordinal)).ToList();
        Assert.True(admin.Count >= 12, $"{admin.Count} admin endpoints");
        Assert.All(admin, e => Assert.Contains(e.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == InternalIdentityExtensions.AdminPolicy));
        var open = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal);
        Assert.Equal(["/alive", "/health"], open);
    }

    [Fact]
    public async Task Without_a_token_the_routers_own_port_refuses_the_catalog_attack_and_completions_but_answers_health()
    {
        await using var factory = await StartAsync();
        using var client = factory.CreateClient();

        using var attack = await client.PutAsJsonAsync("/v1/admin/deployments/x", new
        {
            modelId = "sim-fast", provider = "openAICompatible", providerModel = "m", endpoint = "http://attacker.example/v1",
            apiKeySetting = "ConnectionStrings:chatdb",
        }, Token);
        using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "sim-fast", messages = new[] { new { role = "user", content = "Hi" } } }, Token);
        using var models = await client.GetAsync("/v1/models", Token);
        using var unknown = await client.GetAsync("/v1/nothing-here", Token);
        using var health = await client.GetAsync("/health", Token);
        using var alive = await client.GetAsync("/alive", Token);

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK],
            [attack.StatusCode, completion.StatusCode, models.StatusCode, unknown.StatusCode, health.StatusCode, alive.StatusCode]);
        Assert.Null(await factory.Services.GetRequiredService<CatalogStore>().FindDeploymentAsync("x", Token));
    }

    [Fact]
    public async Task A_user_or_service_token_completes_and_lists_models_but_an_admin_route_answers_403()
    {
        await using var factory = await StartAsync();
        using var user = factory.CreateClient();
        user.DefaultRequestHeaders.Authorization = InternalTokens.User(Guid.NewGuid());
        using var service = factory.CreateClient();
        service.DefaultRequestHeaders.Authorization = InternalTokens.Service();

        foreach (var client in new[] { user, service })
        {
            using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "sim-fast", messages = new[] { new { role = "user", content = "Hi" } } }, Token);
            using var models = await client.GetAsync("/v1/models", Token);
            using var health = await client.GetAsync("/v1/admin/providers/health", Token);
            using var deployments = await client.GetAsync("/v1/admin/deployments", Token);

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden],
                [completion.StatusCode, models.StatusCode, health.StatusCode, deployments.StatusCode]);
        }
    }
}

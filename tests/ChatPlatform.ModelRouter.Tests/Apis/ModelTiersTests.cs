using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.ModelRouter.Tests.Apis;

/// <summary>A model's tier list (issue 18): who may list and call it, and how an admin sets it.</summary>
public sealed class ModelTiersTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>The router as Program wires it, on the default simulated catalog; its Client acts as an admin.</summary>
    private sealed class Router(WebApplicationFactory<ChatPlatform.ModelRouter.Routing.ChatRouter> factory) : IAsyncDisposable
    {
        public HttpClient Client { get; } = ClientOf(factory, InternalTokens.Admin());

        public ModelCatalog Catalog => factory.Services.GetRequiredService<ModelCatalog>();

        public HttpClient ClientWith(System.Net.Http.Headers.AuthenticationHeaderValue authorization) => ClientOf(factory, authorization);

        private static HttpClient ClientOf(WebApplicationFactory<ChatPlatform.ModelRouter.Routing.ChatRouter> factory, System.Net.Http.Headers.AuthenticationHeaderValue authorization)
        {
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = authorization;
            return client;
        }

        public ValueTask DisposeAsync() => factory.DisposeAsync();
    }

    private async Task<Router> StartAsync()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        var factory = new WebApplicationFactory<ChatPlatform.ModelRouter.Routing.ChatRouter>().WithWebHostBuilder(web =>
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
        await factory.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        return new Router(factory);
    }

    private static HttpClient UserOf(Router router, string tier) =>
        router.ClientWith(InternalTokens.Bearer(InternalTokens.Mint(InternalRoles.User, Guid.NewGuid(), tier: tier)));

    private static Task<HttpResponseMessage> CompleteAsync(HttpClient client, string model) =>
        client.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "user", content = "hi" } } }, Cancellation);

    [Fact]
    public async Task A_model_limited_to_pro_is_refused_with_403_and_unlisted_for_free_and_served_to_pro()
    {
        await using var router = await StartAsync();

        var patch = await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-smart", new { tiers = new[] { "pro" } }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(["pro"], (await patch.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["tiers"]!.AsArray().Select(t => (string)t!));
        var free = UserOf(router, "free");
        var pro = UserOf(router, "pro");

        var refused = await CompleteAsync(free, "sim-smart");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["error"]!;
        Assert.Equal(("model_not_allowed_for_tier", "model"), ((string)error["code"]!, (string)error["param"]!));
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(pro, "sim-smart")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(free, "sim-fast")).StatusCode);

        var freeList = await free.GetFromJsonAsync<JsonObject>("/v1/models", Cancellation);
        var proList = await pro.GetFromJsonAsync<JsonObject>("/v1/models", Cancellation);
        Assert.DoesNotContain("sim-smart", freeList!["data"]!.AsArray().Select(m => (string)m!["id"]!));
        Assert.Contains("sim-smart", proList!["data"]!.AsArray().Select(m => (string)m!["id"]!));
        Assert.Equal(HttpStatusCode.NotFound, (await free.GetAsync("/v1/models/sim-smart", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task An_empty_tier_list_opens_the_model_to_every_tier_again_and_the_change_is_stored()
    {
        await using var router = await StartAsync();
        await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-smart", new { tiers = new[] { "pro" } }, Cancellation);

        var reopen = await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-smart", new { tiers = Array.Empty<string>() }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, reopen.StatusCode);
        Assert.Null((await reopen.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["tiers"]);
        var stored = await router.Client.GetFromJsonAsync<JsonObject>("/v1/admin/models/sim-smart", Cancellation);
        Assert.Null(stored!["tiers"]);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(UserOf(router, "free"), "sim-smart")).StatusCode);
    }

    [Fact]
    public async Task A_displayed_name_change_keeps_the_tier_list()
    {
        await using var router = await StartAsync();
        await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-smart", new { tiers = new[] { "pro", "team" } }, Cancellation);

        await router.Client.PatchAsJsonAsync("/v1/admin/models/sim-smart", new { displayName = "Smart" }, Cancellation);

        Assert.Equal(["pro", "team"], router.Catalog.Current.FindModel("sim-smart")!.Tiers);
    }

    [Theory]
    [InlineData("""{"tiers":["Pro"]}""")]
    [InlineData("""{"tiers":[""]}""")]
    [InlineData("""{"tiers":["a b"]}""")]
    [InlineData("""{"tiers":[null]}""")]
    public async Task A_bad_tier_name_is_a_400_naming_tiers_and_changes_nothing(string body)
    {
        await using var router = await StartAsync();

        var response = await router.Client.PatchAsync("/v1/admin/models/sim-smart",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.NotNull(problem["errors"]!["tiers"]);
        Assert.Null(router.Catalog.Current.FindModel("sim-smart")!.Tiers);
    }
}

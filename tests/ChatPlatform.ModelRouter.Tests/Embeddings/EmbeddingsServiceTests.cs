using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.ModelRouter.Tests.Embeddings;

/// <summary>The service as Program wires it, over its real catalog tables: the simulated embedding model offline.</summary>
public sealed class EmbeddingsServiceTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_simulated_embedding_model_is_stored_served_and_found_by_id_but_not_offered_for_chat()
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var factory = new WebApplicationFactory<ChatPlatform.ModelRouter.Routing.ChatRouter>().WithWebHostBuilder(web =>
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
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = InternalTokens.Service();
        await factory.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        using var response = await client.PostAsync("/v1/embeddings", new StringContent("""
            {"model":"sim-embed","input":["the quarterly report","the quarterly report"]}
            """, Encoding.UTF8, "application/json"), Token);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!;
        var list = await client.GetFromJsonAsync<JsonNode>("/v1/models", Token);
        var model = await client.GetFromJsonAsync<JsonNode>("/v1/models/sim-embed", Token);
        client.DefaultRequestHeaders.Authorization = null;
        using var anonymous = await client.PostAsync("/v1/embeddings", new StringContent("""{"model":"sim-embed","input":"a"}""", Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var vectors = body["data"]!.AsArray().Select(d => d!["embedding"]!.ToJsonString()).ToList();
        Assert.Equal(384, body["data"]![0]!["embedding"]!.AsArray().Count);
        Assert.Equal(vectors[0], vectors[1]);
        Assert.Equal("sim-embed-1", (string?)body["usage"]!["chatplatform"]!["deployment"]);
        Assert.DoesNotContain(list!["data"]!.AsArray(), m => (string?)m!["id"] == "sim-embed");
        Assert.Contains(list["data"]!.AsArray(), m => (string?)m!["id"] == "sim-fast");
        Assert.True((bool)model!["capabilities"]!["embeddings"]!);
        Assert.Equal(384, (int)model["capabilities"]!["dimensions"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}

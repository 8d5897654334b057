using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Tests.Providers;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.ModelRouter.Tests.Apis;

public sealed class SimulatedVisionApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_default_catalogs_vision_model_describes_an_image_sent_as_an_image_url_data_url()
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
        client.DefaultRequestHeaders.Authorization = InternalTokens.Service(Guid.NewGuid());
        await factory.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        var models = await client.GetFromJsonAsync<JsonNode>("/v1/models", Token);
        var png = Convert.ToBase64String(SimulatedGroundingTests.Png(64, 32));

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent($$$"""
            {"model":"sim-vision","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{png}}}"}}]}]}
            """, Encoding.UTF8, "application/json"), Token);
        var completion = await response.Content.ReadFromJsonAsync<JsonNode>(Token);

        // /v1/models says which models see images: chat reads it to decide between images and their text.
        Assert.Contains(models!["data"]!.AsArray(), m => (string?)m!["id"] == "sim-vision" && (bool)m["capabilities"]!["vision"]!);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[simulated] I received 1 image. Image 1: PNG, 100 bytes, 64x32 pixels.",
            (string?)completion!["choices"]![0]!["message"]!["content"]);
    }
}

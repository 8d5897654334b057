using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Routing;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>The turn against the real model router (its default simulated catalog), in-process: the wire formats agree.</summary>
public sealed class RealRouterTurnTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_through_the_real_router_streams_the_simulated_answer_and_records_the_routers_usage()
    {
        await using var router = await StartRouterAsync();
        await using var host = StartChat(await postgres.CreateDatabaseAsync(Token), router);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, "sim-fast", "Answer briefly.");

        using var response = await PostTurnAsync(client, conversationId, """{"content":"What is a simulator?"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("turn.started", events[0].Type);
        Assert.True(events.Count > 10, $"{events.Count} events");
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal("delta", e.Type));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        var done = events[^1];
        Assert.Equal("done", done.Type);
        Assert.Equal(Text(events), (string?)done.Data["message"]!["content"]);
        Assert.StartsWith("[simulated]", Text(events), StringComparison.Ordinal);
        var usage = done.Data["usage"]!;
        Assert.Equal("sim-fast-1", (string?)usage["deployment"]);
        Assert.Equal("chatplatform.simulator", (string?)usage["provider"]);
        Assert.True((long)usage["inputTokens"]! > 0);
        Assert.True((long)usage["outputTokens"]! > 0);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND payload->>'deployment' = 'sim-fast-1' AND payload->>'messageId' = $1",
            Token, (string)done.Data["message"]!["id"]!));
    }

    [Fact]
    public async Task Through_the_real_router_the_vision_model_describes_the_image_and_cites_the_document()
    {
        await using var router = await StartRouterAsync();
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = StartChat(await postgres.CreateDatabaseAsync(Token), router, ingestion.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var report = ingestion.AddDocument(userId, "report.pdf", "Revenue grew 12% in the third quarter. Costs fell.");
        var photo = ingestion.AddImage(userId, "chart.png", TurnFilesTests.Png, "CHART");
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, "sim-vision", "Answer briefly.");

        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"What do these say?","fileIds":["{{report}}","{{photo}}"]}""", Token);
        var events = await ReadAllAsync(response, Token);

        var done = events[^1];
        Assert.Equal("done", done.Type);
        Assert.Equal(
            $"[simulated] I received 1 image. Image 1: PNG, {TurnFilesTests.Png.Length} bytes, 3x2 pixels. " +
            "According to report.pdf: \"Revenue grew 12% in the third quarter.\" [1]",
            (string?)done.Data["message"]!["content"]);
        Assert.Equal([$"1|{report}|report.pdf|1"], TurnFilesTests.Citations(done.Data["message"]!));
        var stored = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token);
        Assert.Equal([$"1|{report}|report.pdf|1"], TurnFilesTests.Citations(stored!["messages"]![1]!));
        Assert.Equal([report.ToString(), photo.ToString()], stored["messages"]![0]!["attachments"]!.AsArray().Select(a => (string)a!["id"]!));
    }

    private async Task<WebApplicationFactory<ChatRouter>> StartRouterAsync()
    {
        var routerDatabase = await postgres.CreateDatabaseAsync(Token);
        var router = new WebApplicationFactory<ChatRouter>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", routerDatabase);
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
        await router.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        return router;
    }

    // http://model-router resolves as configured; the bytes then go to the router's in-memory server.
    private ChatServiceHost StartChat(string database, WebApplicationFactory<ChatRouter> router, Uri? ingestion = null) =>
        ChatServiceHost.Start(database, redis.ConnectionString, new Uri("http://localhost"),
            ingestion is null ? null : new Dictionary<string, string> { ["services:ingestion:http:0"] = ingestion.ToString().TrimEnd('/') },
            configure: web => web.ConfigureTestServices(services => services.AddHttpClient(ModelRouterClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => router.Server.CreateHandler())));
}

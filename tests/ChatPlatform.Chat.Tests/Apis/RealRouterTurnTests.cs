using System.Net;
using ChatPlatform.Chat.Infrastructure;
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
        var routerDatabase = await postgres.CreateDatabaseAsync(Token);
        await using var router = new WebApplicationFactory<ChatRouter>().WithWebHostBuilder(web =>
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
        var database = await postgres.CreateDatabaseAsync(Token);
        // http://model-router resolves as configured; the bytes then go to the router's in-memory server.
        await using var host = ChatServiceHost.Start(database, redis.ConnectionString, new Uri("http://localhost"), configure: web =>
            web.ConfigureTestServices(services => services.AddHttpClient(ModelRouterClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => router.Server.CreateHandler())));
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
}

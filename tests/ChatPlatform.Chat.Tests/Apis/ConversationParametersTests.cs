using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>Per-conversation temperature and longest answer: set through PATCH, checked against the catalog, sent with every turn.</summary>
public sealed class ConversationParametersTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Parameters_set_on_a_conversation_are_read_back_and_sent_with_every_turn()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, model: FakeModelRouter.FastModel);

        var patched = await PatchAsync(client, id, """{"temperature":0.25,"maxOutputTokens":300}""");
        await TurnAsync(client, id, "First");
        await TurnAsync(client, id, "Second");
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);

        Assert.Equal((0.25, 300), ((double)patched["temperature"]!, (int)patched["maxOutputTokens"]!));
        Assert.Equal((0.25, 300), ((double)read!["temperature"]!, (int)read["maxOutputTokens"]!));
        Assert.All(router.StreamRequests, body =>
        {
            Assert.Equal(0.25, (double)body["temperature"]!);
            Assert.Equal(300, (int)body["max_tokens"]!);
        });
        Assert.Equal(2, router.StreamRequests.Count);
    }

    [Fact]
    public async Task Without_parameters_a_turn_sends_no_temperature_and_the_models_limit()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, model: FakeModelRouter.FastModel);
        await PatchAsync(client, id, """{"temperature":1.5,"maxOutputTokens":10}""");

        var cleared = await PatchAsync(client, id, """{"temperature":null,"maxOutputTokens":null}""");
        await TurnAsync(client, id, "Hi");

        Assert.Null(cleared["temperature"]);
        Assert.Null(cleared["maxOutputTokens"]);
        var body = Assert.Single(router.StreamRequests);
        Assert.False(body.AsObject().ContainsKey("temperature"));
        Assert.Equal(4_096, (int)body["max_tokens"]!);
    }

    [Fact]
    public async Task A_turn_fits_the_parameters_to_a_model_switched_to_after_they_were_set()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, model: FakeModelRouter.FastModel);
        await PatchAsync(client, id, """{"temperature":0.7,"maxOutputTokens":4000}""");

        // The tiny model's limit is 50 tokens (half its 300-token window is more); the reasoning model takes no temperature.
        await PatchAsync(client, id, $$"""{"model":"{{FakeModelRouter.TinyModel}}"}""");
        await TurnAsync(client, id, "Hi");
        await PatchAsync(client, id, $$"""{"model":"{{FakeModelRouter.ReasoningModel}}"}""");
        await TurnAsync(client, id, "Again");

        var bodies = router.StreamRequests.ToArray();
        Assert.Equal((0.7, 50), ((double)bodies[0]["temperature"]!, (int)bodies[0]["max_tokens"]!));
        Assert.False(bodies[1].AsObject().ContainsKey("temperature"));
        Assert.Equal(4_000, (int)bodies[1]["max_tokens"]!);
    }

    [Theory]
    [InlineData("sim-fast", """{"temperature":2.01}""", "temperature")]
    [InlineData("sim-fast", """{"temperature":-0.1}""", "temperature")]
    [InlineData("sim-fast", """{"maxOutputTokens":0}""", "maxOutputTokens")]
    [InlineData("sim-fast", """{"maxOutputTokens":4097}""", "maxOutputTokens")]
    [InlineData("tiny", """{"maxOutputTokens":51}""", "maxOutputTokens")]
    [InlineData("sim-reasoning", """{"temperature":0.5}""", "temperature")]
    [InlineData("sim-fast", """{"model":"sim-reasoning","temperature":0.5}""", "temperature")]
    [InlineData("gpt-4o", """{"maxOutputTokens":100}""", "maxOutputTokens")]
    [InlineData("sim-fast", """{"temperature":"hot"}""", null)]
    [InlineData("sim-fast", """{"maxOutputTokens":1.5}""", null)]
    public async Task A_value_outside_the_models_limits_answers_400_problem_details_and_changes_nothing(string model, string body, string? field)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, model: model);
        var writesBefore = await host.CountWritesAsync(Token);

        using var response = await client.PatchAsync($"/v1/conversations/{id}", Json(body), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.NotNull((await ReadJsonAsync(response, Token))["errors"]![field]);
        }
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.conversations WHERE id = $1 AND temperature IS NULL AND max_output_tokens IS NULL AND model = $2", Token, id, model));
    }

    [Theory]
    [InlineData("""{"temperature":0.5}""")]
    [InlineData("""{"maxOutputTokens":100}""")]
    [InlineData("""{"temperature":9}""")]
    [InlineData("""{"temperature":null}""")]
    public async Task Another_users_conversation_answers_404_and_keeps_its_parameters(string body)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(owner, model: FakeModelRouter.FastModel);
        await PatchAsync(owner, id, """{"temperature":1.0,"maxOutputTokens":200}""");

        using var response = await other.PatchAsync($"/v1/conversations/{id}", Json(body), Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.conversations WHERE id = $1 AND temperature = 1.0 AND max_output_tokens = 200", Token, id));
    }

    private static async Task TurnAsync(HttpClient client, Guid id, string content)
    {
        using var response = await PostTurnAsync(client, id, new JsonObject { ["content"] = content }.ToJsonString(), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", (await ReadAllAsync(response, Token))[^1].Type);
    }
}

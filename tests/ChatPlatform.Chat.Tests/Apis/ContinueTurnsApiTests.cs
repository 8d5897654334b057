using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// Continuing an answer that stopped at its length limit (docs/turns.md): a new answer under it goes on from where it
/// stopped; any other answer is a conflict; another user's is not found.
/// </summary>
public sealed class ContinueTurnsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> ContinueAsync(HttpClient client, Guid conversationId, string messageId) =>
        OpenAsync(client, new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{messageId}/continue"), Token);

    private static async Task<(Guid Conversation, string Answer)> AskAsync(HttpClient client, string question)
    {
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var turn = await PostTurnAsync(client, conversationId, $$"""{"content":"{{question}}"}""", Token);
        var events = await ReadAllAsync(turn, Token);
        return (conversationId, (string)events[^1].Data["message"]!["id"]!);
    }

    [Fact]
    public async Task An_answer_cut_at_its_length_limit_goes_on_in_a_new_answer_that_follows_it()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        router.FinishReason = "length";
        var (conversationId, cut) = await AskAsync(client, "Tell me a long story");
        var before = (await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]!.AsArray();
        Assert.Equal("length", (string?)before[^1]!["finishReason"]);
        Assert.Null(before[0]!["finishReason"]);
        router.FinishReason = "stop";
        router.Tokens = ["and ", "they ", "lived."];

        using var response = await ContinueAsync(client, conversationId, cut);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["turn.started", "delta", "delta", "delta", "done"], events.Select(e => e.Type));
        Assert.Null(events[0].Data["userMessage"]);
        Assert.Equal(cut, (string?)events[0].Data["assistantMessage"]!["parentId"]);
        Assert.Equal("and they lived.", Text(events));
        Assert.Equal("stop", (string?)events[^1].Data["finishReason"]);
        // The model was sent the path to the cut answer, then asked to go on; the question is not asked again.
        var sent = router.StreamRequests.Last()["messages"]!.AsArray().Select(m => $"{m!["role"]}:{m["content"]}").ToList();
        Assert.Equal(["user:Tell me a long story", "assistant:Hello, how can I help?", $"user:{ContextBuilder.ContinueInstruction}"], sent);
        // The continuation follows the cut answer on the path, and the instruction was never stored.
        var path = (await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "assistant"], path.Select(m => (string)m!["role"]!));
        Assert.Equal(["Tell me a long story", "Hello, how can I help?", "and they lived."], path.Select(m => (string)m!["content"]!));
        Assert.Equal((string?)events[^1].Data["message"]!["id"], (string?)(await client.GetFromJsonAsync<JsonNode>(
            $"/v1/conversations/{conversationId}", Token))!["currentLeafId"]);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE content = $1", Token, ContextBuilder.ContinueInstruction));
    }

    [Fact]
    public async Task An_answer_that_ended_by_itself_cannot_be_continued_and_nothing_is_written()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var (conversationId, answer) = await AskAsync(client, "Hi");
        var messages = await host.CountAsync("SELECT count(*) FROM chat.messages", Token);

        using var response = await ContinueAsync(client, conversationId, answer);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("length limit", (string?)(await ReadJsonAsync(response, Token))["detail"], StringComparison.Ordinal);
        Assert.Equal(messages, await host.CountAsync("SELECT count(*) FROM chat.messages", Token));
        Assert.Single(router.StreamRequests);
    }

    [Fact]
    public async Task A_question_an_unknown_message_and_another_users_answer_are_not_found()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        router.FinishReason = "length";
        var (conversationId, cut) = await AskAsync(owner, "Tell me a long story");
        var question = (string)(await owner.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]![0]!["id"]!;
        var (strangersConversation, _) = await AskAsync(stranger, "Mine");
        var messages = await host.CountAsync("SELECT count(*) FROM chat.messages", Token);

        using var byStranger = await ContinueAsync(stranger, conversationId, cut);
        using var inStrangersConversation = await ContinueAsync(stranger, strangersConversation, cut);
        using var ofQuestion = await ContinueAsync(owner, conversationId, question);
        using var unknown = await ContinueAsync(owner, conversationId, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, inStrangersConversation.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ofQuestion.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(messages, await host.CountAsync("SELECT count(*) FROM chat.messages", Token));
    }
}

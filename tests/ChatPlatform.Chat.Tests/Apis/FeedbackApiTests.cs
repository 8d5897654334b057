using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>Thumbs up or down on an answer, with a comment (issue 20): owner only, one per answer, visible to admins.</summary>
public sealed class FeedbackApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static HttpClient AdminOf(ChatServiceHost host)
    {
        var client = host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = InternalTokens.Admin();
        return client;
    }

    /// <summary>A conversation with one finished answer: its id, the answer's id and the question's.</summary>
    private static async Task<(Guid Conversation, Guid Answer, Guid Question)> AnsweredAsync(ChatServiceHost host, HttpClient client, Guid userId)
    {
        var conversation = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        using (var turn = await PostTurnAsync(client, conversation, """{"content":"Hi"}""", Token))
        {
            Assert.Equal("done", (await ReadAllAsync(turn, Token))[^1].Type);
        }
        var answer = (Guid)(await host.ScalarAsync(
            "SELECT id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND role = 'assistant'", Token, userId, conversation))!;
        var question = (Guid)(await host.ScalarAsync(
            "SELECT id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND role = 'user'", Token, userId, conversation))!;
        return (conversation, answer, question);
    }

    private static string FeedbackUrl(Guid conversation, Guid message) => $"/v1/conversations/{conversation}/messages/{message}/feedback";

    [Fact]
    public async Task A_verdict_is_set_changed_listed_and_removed_one_per_answer()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var (conversation, answer, _) = await AnsweredAsync(host, client, me);

        using var up = await client.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "up" }, Token);
        using var down = await client.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "down", comment = "  Wrong year.  " }, Token);
        var listed = (await client.GetFromJsonAsync<JsonObject>($"/v1/conversations/{conversation}/feedback", Token))!;

        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Equal("up", (string)(await ReadJsonAsync(up, Token))["rating"]!);
        var changed = await ReadJsonAsync(down, Token);
        Assert.Equal(("down", "Wrong year."), ((string)changed["rating"]!, (string)changed["comment"]!));
        var item = Assert.Single(listed["items"]!.AsArray())!;
        Assert.Equal((answer, "down", "Wrong year."), (Guid.Parse((string)item["messageId"]!), (string)item["rating"]!, (string)item["comment"]!));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.message_feedback WHERE user_id = $1", Token, me));

        using var removed = await client.DeleteAsync(FeedbackUrl(conversation, answer), Token);
        using var again = await client.DeleteAsync(FeedbackUrl(conversation, answer), Token);

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>($"/v1/conversations/{conversation}/feedback", Token))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Another_users_answer_or_conversation_answers_404_and_is_left_alone()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var owner = Guid.NewGuid();
        using var ownerClient = host.ClientFor(owner);
        using var intruder = host.ClientFor(Guid.NewGuid());
        var (conversation, answer, _) = await AnsweredAsync(host, ownerClient, owner);
        using (var set = await ownerClient.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "up", comment = "Great" }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using var put = await intruder.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "down" }, Token);
        using var delete = await intruder.DeleteAsync(FeedbackUrl(conversation, answer), Token);
        using var list = await intruder.GetAsync($"/v1/conversations/{conversation}/feedback", Token);
        using var admin = await intruder.GetAsync("/v1/admin/chat/feedback", Token);

        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.message_feedback WHERE user_id = $1 AND rating = 1 AND comment = 'Great'", Token, owner));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.message_feedback", Token));
    }

    [Fact]
    public async Task A_question_a_wrong_conversation_or_a_deleted_one_takes_no_verdict()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var (conversation, answer, question) = await AnsweredAsync(host, client, me);
        var (other, _, _) = await AnsweredAsync(host, client, me);

        using var onQuestion = await client.PutAsJsonAsync(FeedbackUrl(conversation, question), new { rating = "up" }, Token);
        using var wrongConversation = await client.PutAsJsonAsync(FeedbackUrl(other, answer), new { rating = "up" }, Token);
        using var unknown = await client.PutAsJsonAsync(FeedbackUrl(conversation, Guid.NewGuid()), new { rating = "up" }, Token);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{conversation}", Token)).StatusCode);
        using var deleted = await client.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "up" }, Token);

        Assert.All([onQuestion, wrongConversation, unknown, deleted], response => Assert.Equal(HttpStatusCode.NotFound, response.StatusCode));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.message_feedback", Token));
    }

    [Fact]
    public async Task Deleting_the_conversation_removes_its_verdicts()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var (conversation, answer, _) = await AnsweredAsync(host, client, me);
        (await client.PutAsJsonAsync(FeedbackUrl(conversation, answer), new { rating = "down" }, Token)).Dispose();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{conversation}", Token)).StatusCode);

        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.message_feedback", Token));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"rating":"meh"}""")]
    [InlineData("""{"rating":"UP"}""")]
    [InlineData("""{"rating":1}""")]
    [InlineData("""{"rating":"up","comment":"bell\u0007"}""")]
    [InlineData("COMMENT_TOO_LONG")]
    public async Task A_bad_verdict_answers_400_problem_details_and_writes_nothing(string body)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var (conversation, answer, _) = await AnsweredAsync(host, client, me);
        body = body == "COMMENT_TOO_LONG" ? $$"""{"rating":"up","comment":"{{new string('c', 2001)}}"}""" : body;

        using var response = await client.PutAsync(FeedbackUrl(conversation, answer), Json(body), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.message_feedback", Token));
    }

    [Fact]
    public async Task Admins_see_recent_verdicts_newest_first_with_the_answers_model()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        using var aliceClient = host.ClientFor(alice);
        using var bobClient = host.ClientFor(bob);
        using var admin = AdminOf(host);
        var (aliceConversation, aliceAnswer, _) = await AnsweredAsync(host, aliceClient, alice);
        var (bobConversation, bobAnswer, _) = await AnsweredAsync(host, bobClient, bob);
        (await aliceClient.PutAsJsonAsync(FeedbackUrl(aliceConversation, aliceAnswer), new { rating = "up" }, Token)).Dispose();
        (await bobClient.PutAsJsonAsync(FeedbackUrl(bobConversation, bobAnswer), new { rating = "down", comment = "Too long" }, Token)).Dispose();

        var all = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/chat/feedback", Token))!["items"]!.AsArray();
        var one = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/chat/feedback?limit=1", Token))!["items"]!.AsArray();
        using var badLimit = await admin.GetAsync("/v1/admin/chat/feedback?limit=0", Token);

        Assert.Equal([bobAnswer, aliceAnswer], all.Select(f => Guid.Parse((string)f!["messageId"]!)));
        var newest = all[0]!;
        Assert.Equal((bob, "down", "Too long", FakeModelRouter.FastModel), (Guid.Parse((string)newest["userId"]!), (string)newest["rating"]!,
            (string)newest["comment"]!, (string)newest["model"]!));
        Assert.False(string.IsNullOrEmpty((string?)newest["answerExcerpt"]));
        Assert.Single(one);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }
}

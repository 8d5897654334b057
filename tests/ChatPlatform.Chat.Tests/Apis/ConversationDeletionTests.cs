using System.Net;
using System.Text.Json;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// What chat tells ingestion when conversations go (docs/files.md, Deleting), and how it empties a deleted account:
/// the service as it runs, on real PostgreSQL, with a fake ingestion over HTTP for the turns that attach files.
/// </summary>
public sealed class ConversationDeletionTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deleted_conversation_names_only_the_files_no_other_conversation_of_mine_attaches()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["services:ingestion:http:0"] = ingestion.BaseAddress.ToString().TrimEnd('/') });
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        using var client = host.ClientFor(me);
        var report = ingestion.AddDocument(me, "report.pdf", "Revenue grew.");
        var shared = ingestion.AddDocument(me, "notes.txt", "Shared notes.");
        var theirs = ingestion.AddDocument(other, "theirs.txt", "Their notes.");
        var first = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        var second = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        var empty = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        await TurnAsync(client, first, report, shared);
        await TurnAsync(client, first, report); // attached twice in one conversation: named once
        await TurnAsync(client, second, shared);
        using (var otherClient = host.ClientFor(other))
        {
            var theirConversation = await TurnsApiTests.CreateConversationAsync(otherClient, FakeModelRouter.FastModel);
            await TurnAsync(otherClient, theirConversation, theirs);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{first}", Token)).StatusCode);
        Assert.Equal([report], await DeletedFilesAsync(host, first));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{second}", Token)).StatusCode);
        Assert.Equal([shared], await DeletedFilesAsync(host, second));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{empty}", Token)).StatusCode);
        Assert.Empty(await DeletedFilesAsync(host, empty));
        // Deleted again, or by another user: 404 and no second event.
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/v1/conversations/{first}", Token)).StatusCode);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", Token,
            ConversationStore.ConversationDeletedEvent, first.ToString()));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.message_files WHERE user_id = $1 AND file_id = $2", Token, other, theirs));
    }

    [Fact]
    public async Task Concurrent_deletes_of_two_conversations_sharing_a_file_name_it_exactly_once()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["services:ingestion:http:0"] = ingestion.BaseAddress.ToString().TrimEnd('/') });
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var shared = ingestion.AddDocument(me, "notes.txt", "Shared notes.");
        var conversations = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var id = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
            await TurnAsync(client, id, shared);
            conversations.Add(id);
        }

        var store = host.Services.GetRequiredService<ConversationStore>();
        var deleted = await Task.WhenAll(conversations.Select(id => Task.Run(() => store.DeleteAsync(me, id, Token), Token)));

        Assert.All(deleted, Assert.True);
        var named = new List<Guid>();
        foreach (var id in conversations)
        {
            named.AddRange(await DeletedFilesAsync(host, id));
        }
        Assert.Equal([shared], named);
    }

    [Fact]
    public async Task A_deleted_account_loses_every_conversation_message_and_attachment_and_redelivery_is_harmless()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["services:ingestion:http:0"] = ingestion.BaseAddress.ToString().TrimEnd('/') });
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        using var client = host.ClientFor(me);
        using var otherClient = host.ClientFor(other);
        var report = ingestion.AddDocument(me, "report.pdf", "Revenue grew.");
        var mine = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        await TurnAsync(client, mine, report);
        var tombstone = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        await client.DeleteAsync($"/v1/conversations/{tombstone}", Token);
        var theirs = await TurnsApiTests.CreateConversationAsync(otherClient, FakeModelRouter.FastModel);
        await TurnAsync(otherClient, theirs);

        var e = await AppendAsync(host, AccountDeletions.AccountDeletedEvent, me.ToString(), new AccountDeleted(me));

        await Eventually.GetAsync(() => RowsOfAsync(host, me), rows => rows == 0, Token);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/conversations/{mine}", Token)).StatusCode);
        Assert.Equal(3, await RowsOfAsync(host, other)); // a conversation, its question and its answer
        Assert.Equal(HttpStatusCode.OK, (await otherClient.GetAsync($"/v1/conversations/{theirs}", Token)).StatusCode);

        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountDeletions>().HandleAsync(e, Token);
        Assert.Equal(0, await RowsOfAsync(host, me));
        Assert.Equal(3, await RowsOfAsync(host, other));
    }

    private static async Task TurnAsync(HttpClient client, Guid conversationId, params Guid[] fileIds)
    {
        var files = fileIds.Length == 0 ? "" : $$""","fileIds":[{{string.Join(",", fileIds.Select(id => $"\"{id}\""))}}]""";
        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Read these"{{files}}}""", Token);
        var events = await ReadAllAsync(response, Token);
        Assert.Equal("done", events[^1].Type);
    }

    private static async Task<Guid[]> DeletedFilesAsync(ChatServiceHost host, Guid conversationId)
    {
        var payload = (string)(await host.ScalarAsync(
            "SELECT payload::text FROM events.events WHERE type = $1 AND key = $2", Token, ConversationStore.ConversationDeletedEvent, conversationId.ToString()))!;
        return JsonSerializer.Deserialize<ConversationDeleted>(payload, JsonSerializerOptions.Web)!.FileIds.ToArray();
    }

    private static Task<long> RowsOfAsync(ChatServiceHost host, Guid userId) => host.CountAsync("""
        SELECT (SELECT count(*) FROM chat.conversations WHERE user_id = $1) + (SELECT count(*) FROM chat.messages WHERE user_id = $1)
             + (SELECT count(*) FROM chat.message_files WHERE user_id = $1)
        """, Token, userId);

    private static async Task<EventRecord> AppendAsync<T>(ChatServiceHost host, string type, string key, T payload)
    {
        var e = EventToAppend.Create(type, key, payload);
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);
        await host.Services.GetRequiredService<IEventLog>().AppendAsync(connection, transaction, e, Token);
        await transaction.CommitAsync(Token);
        return new EventRecord(e.Id, 0, e.Type, e.Key, e.Payload, DateTimeOffset.UtcNow, null);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Deleting;
using ChatPlatform.Ingestion.Processing;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Ingestion.Tests.Deleting;

/// <summary>
/// Deleting a conversation or an account through the events chat and the gateway commit: the service as it runs, its
/// deletion consumer reading the real log, the blobs in Azurite.
/// </summary>
[Collection(nameof(FilesCollection))]
public sealed class FileDeletionsTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deleted_conversation_takes_its_chat_files_with_their_chunks_and_blobs_and_leaves_library_files()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var chatBytes = Samples.Pdf(10_000);
        var chat = await UploadAsync(client, chatBytes, "chat");
        var library = await UploadAsync(client, Samples.Png(3_000), "library");
        var elsewhere = await UploadAsync(client, Samples.Jpeg(3_000), "chat"); // attached to another conversation too
        await AddChunkAsync(host, userId, chat);
        Assert.Equal(3, (await host.ContentBlobsOfAsync(userId)).Count);

        await AppendAsync(host, DeletionEvents.ConversationDeleted, Guid.NewGuid().ToString(),
            new ConversationDeleted(userId, Guid.NewGuid(), [chat, library]));

        await WaitUntilAsync(async () => (await host.ContentBlobsOfAsync(userId)).Count == 2);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{chat}", Cancellation)).StatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", chat));
        Assert.DoesNotContain($"{userId}/{Samples.Sha256(chatBytes)}", await host.ContentBlobsOfAsync(userId));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{library}/content", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{elsewhere}/content", Cancellation)).StatusCode);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", FileEvents.Deleted, userId.ToString()));
    }

    [Fact]
    public async Task Deleting_my_conversation_never_touches_another_users_file_with_the_same_bytes_or_id()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        var bytes = Samples.Pdf(8_000);
        var mine = await UploadAsync(host.ClientFor(me), bytes, "chat");
        var theirs = await UploadAsync(host.ClientFor(other), bytes, "chat");

        // An event naming their file id under my user id (or a forged one) must not reach it: ids are scoped by user.
        await AppendAsync(host, DeletionEvents.ConversationDeleted, Guid.NewGuid().ToString(), new ConversationDeleted(me, Guid.NewGuid(), [mine, theirs]));

        await WaitUntilAsync(async () => (await host.ContentBlobsOfAsync(me)).Count == 0);
        using var content = await host.ClientFor(other).GetAsync($"/v1/files/{theirs}/content", Cancellation);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Equal([$"{other}/{Samples.Sha256(bytes)}"], await host.ContentBlobsOfAsync(other));
    }

    [Fact]
    public async Task A_blob_another_file_of_mine_still_has_stays_until_that_file_goes_too()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var bytes = Samples.Pdf(6_000);
        var chat = await UploadAsync(client, bytes, "chat");
        var library = await UploadAsync(client, bytes, "library");

        await AppendAsync(host, DeletionEvents.ConversationDeleted, Guid.NewGuid().ToString(), new ConversationDeleted(userId, Guid.NewGuid(), [chat]));
        // No blob goes, so what is awaited is the consumers' offsets passing the file's deletion.
        await WaitUntilAsync(async () => await host.CountAsync("""
            SELECT count(*) FROM events.consumer_offsets c
            WHERE c.consumer LIKE 'ingestion-deletions-%'
              AND c.position >= (SELECT max(position) FROM events.events WHERE type = $1 AND key = $2)
            """, FileEvents.Deleted, userId.ToString()) == 2);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{chat}", Cancellation)).StatusCode);
        using var content = await client.GetAsync($"/v1/files/{library}/content", Cancellation);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
    }

    [Fact]
    public async Task A_deleted_account_loses_every_file_and_blob_and_redelivery_changes_nothing()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var (userId, other) = (Guid.NewGuid(), Guid.NewGuid());
        var client = host.ClientFor(userId);
        var chat = await UploadAsync(client, Samples.Pdf(5_000), "chat");
        await UploadAsync(client, Samples.Png(5_000), "library");
        await AddChunkAsync(host, userId, chat);
        var upload = (await (await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "big.pdf", size = 4_000 }, Cancellation))
            .Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        var uploadingId = upload["file"]!["id"]!.GetValue<Guid>();
        using (var put = new HttpRequestMessage(HttpMethod.Put, upload["uploadUrl"]!.GetValue<string>()) { Content = new ByteArrayContent(Samples.Pdf(4_000)) })
        {
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(put, Cancellation)).StatusCode);
        }
        var kept = await UploadAsync(host.ClientFor(other), Samples.Pdf(5_000), "library");

        var account = await AppendAsync(host, DeletionEvents.AccountDeleted, userId.ToString(), new AccountDeleted(userId));

        await WaitUntilAsync(async () => (await host.ContentBlobsOfAsync(userId)).Count == 0 && !(await host.StagedBlobsAsync()).Contains(uploadingId.ToString()));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM ingestion.files WHERE user_id = $1", userId));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE user_id = $1", userId));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", FileEvents.Deleted, userId.ToString()));
        Assert.Equal(HttpStatusCode.OK, (await host.ClientFor(other).GetAsync($"/v1/files/{kept}/content", Cancellation)).StatusCode);

        // At least once: the same event handled again finds nothing left and announces nothing more.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<FileDeletions>().HandleAsync(account, Cancellation);
        }
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", FileEvents.Deleted, userId.ToString()));
    }

    [Fact]
    public async Task The_origin_is_library_unless_the_upload_says_chat_and_anything_else_is_refused_without_a_write()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);

        var plain = await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf()), Cancellation);
        var chat = await client.PostAsync("/v1/files?origin=chat", Samples.Upload(Samples.Png()), Cancellation);
        var bogus = await client.PostAsync("/v1/files?origin=forever", Samples.Upload(Samples.Jpeg()), Cancellation);
        var bogusUrl = await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a.pdf", size = 10, origin = "x" }, Cancellation);
        var chatUrl = await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a.pdf", size = 10, origin = "chat" }, Cancellation);

        Assert.Equal("library", (await plain.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["origin"]!.GetValue<string>());
        Assert.Equal("chat", (await chat.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["origin"]!.GetValue<string>());
        Assert.Equal("chat", (await chatUrl.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["file"]!["origin"]!.GetValue<string>());
        foreach (var refused in new[] { bogus, bogusUrl })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
            Assert.Contains("origin", await refused.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        }
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM ingestion.files WHERE user_id = $1", userId));
    }

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] bytes, string origin)
    {
        var response = await client.PostAsync($"/v1/files?origin={origin}", Samples.Upload(bytes), Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Cancellation));
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["id"]!.GetValue<Guid>();
    }

    // Processing is off in these hosts; a chunk as processing writes it stands for the file's text and vector.
    private static async Task AddChunkAsync(IngestionHost host, Guid userId, Guid fileId)
    {
        await host.ScalarAsync("""
            INSERT INTO ingestion.chunks (file_id, user_id, ordinal, page, text, tokens, embedding)
            VALUES ($1, $2, 0, 1, 'alpacas graze', 2, array_fill(0.1, ARRAY[384])::real[]::vector)
            """, fileId, userId);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", fileId));
    }

    /// <summary>Commits the event as its producer would; the record the consumer will be handed.</summary>
    private static async Task<EventRecord> AppendAsync<T>(IngestionHost host, string type, string key, T payload)
    {
        var e = EventToAppend.Create(type, key, payload);
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        await host.Services.GetRequiredService<IEventLog>().AppendAsync(connection, transaction, e, Cancellation);
        await transaction.CommitAsync(Cancellation);
        return new EventRecord(e.Id, 0, e.Type, e.Key, e.Payload, DateTimeOffset.UtcNow, null);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await done())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using ChatPlatform.Testing.Files;
using Npgsql;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// Deleting through the real processes (docs/files.md, Deleting): chat's and the gateway's events reach ingestion,
/// which deletes rows, chunks and the blobs in the platform's Azurite.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class DeletingEndToEndTests(PlatformFixture platform)
{
    private const string Password = "a long enough password for deleting";

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task Deleting_a_conversation_deletes_the_file_uploaded_in_it_and_its_blob_and_keeps_a_library_file()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, userId) = await SignedInClientAsync(ct);
        using var _ = client;
        var pdf = MinimalPdf.Create("Alpacas graze on the high plateau of the Andes.");
        var chatFile = await UploadAsync(client, pdf, "chat", ct);
        var libraryFile = await UploadAsync(client, MinimalPdf.Create("Llamas carry loads."), "library", ct);
        await WaitUntilReadyAsync(client, chatFile.Id, ct);
        await WaitUntilReadyAsync(client, libraryFile.Id, ct);
        var conversation = await CreateConversationAsync(client, ct);
        await TurnAsync(client, conversation, [chatFile.Id, libraryFile.Id], ct);
        Assert.True(await BlobExistsAsync(userId, chatFile.Sha256, ct));
        Assert.True(await CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", ct, chatFile.Id) > 0);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{conversation}", ct)).StatusCode);

        await WaitUntilAsync(async () => (await client.GetAsync($"/v1/files/{chatFile.Id}", ct)).StatusCode == HttpStatusCode.NotFound, ct);
        await WaitUntilAsync(async () => !await BlobExistsAsync(userId, chatFile.Sha256, ct), ct);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", ct, chatFile.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{chatFile.Id}/content", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{libraryFile.Id}/content", ct)).StatusCode);
        Assert.True(await BlobExistsAsync(userId, libraryFile.Sha256, ct));
    }

    [Fact]
    public async Task Deleting_an_account_stops_its_token_and_removes_its_conversations_files_and_blobs()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, userId) = await SignedInClientAsync(ct);
        using var _ = client;
        var (bystander, bystanderId) = await SignedInClientAsync(ct);
        using var __ = bystander;
        var file = await UploadAsync(client, MinimalPdf.Create("Vicuñas are wild."), "library", ct);
        await WaitUntilReadyAsync(client, file.Id, ct);
        var conversation = await CreateConversationAsync(client, ct);
        await TurnAsync(client, conversation, [file.Id], ct);
        var theirConversation = await CreateConversationAsync(bystander, ct);

        using var delete = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Delete, "/v1/me") { Content = JsonContent.Create(new { password = Password }) }, ct);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/me", ct)).StatusCode);
        await WaitUntilAsync(async () => await CountAsync("""
            SELECT (SELECT count(*) FROM chat.conversations WHERE user_id = $1) + (SELECT count(*) FROM chat.messages WHERE user_id = $1)
                 + (SELECT count(*) FROM ingestion.files WHERE user_id = $1) + (SELECT count(*) FROM ingestion.chunks WHERE user_id = $1)
            """, ct, userId) == 0, ct);
        await WaitUntilAsync(async () => !await BlobExistsAsync(userId, file.Sha256, ct), ct);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM identity.users WHERE id = $1", ct, userId));
        Assert.Equal(HttpStatusCode.OK, (await bystander.GetAsync($"/v1/conversations/{theirConversation}", ct)).StatusCode);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM identity.users WHERE id = $1", ct, bystanderId));
    }

    private async Task<(HttpClient Client, Guid UserId)> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        using var response = await client.PostAsJsonAsync("/v1/auth/register", new { email = $"deleting-{Guid.NewGuid():N}@example.com", password = Password }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return (client, tokens.GetProperty("user").GetProperty("id").GetGuid());
    }

    private static async Task<(Guid Id, string Sha256)> UploadAsync(HttpClient client, byte[] bytes, string origin, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "notes.pdf" } };
        using var response = await client.PostAsync($"/v1/files?origin={origin}", form, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
        var file = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(origin, file.GetProperty("origin").GetString());
        return (file.GetProperty("id").GetGuid(), file.GetProperty("sha256").GetString()!);
    }

    private static async Task WaitUntilReadyAsync(HttpClient client, Guid fileId, CancellationToken ct) =>
        await WaitUntilAsync(async () =>
        {
            var status = (await client.GetFromJsonAsync<JsonElement>($"/v1/files/{fileId}", ct)).GetProperty("status").GetString();
            Assert.True(status is "pending" or "processing" or "ready", $"the file ended {status}");
            return status == "ready";
        }, ct);

    private static async Task<Guid> CreateConversationAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model = "sim-fast" }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task TurnAsync(HttpClient client, Guid conversation, Guid[] fileIds, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns")
        {
            Content = JsonContent.Create(new { content = "What do these say?", fileIds }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        Assert.Equal("done", (await stream.ReadToEndAsync(ct))[^1].Type);
    }

    private async Task<bool> BlobExistsAsync(Guid userId, string sha256, CancellationToken ct)
    {
        var service = new BlobServiceClient(await Platform.ConnectionStringAsync("blobs"));
        return await service.GetBlobContainerClient("files").GetBlobClient($"{userId}/{sha256}").ExistsAsync(ct);
    }

    private async Task<long> CountAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(await Platform.ConnectionStringAsync("chatdb"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        while (!await done())
        {
            await Task.Delay(200, deadline.Token);
        }
    }
}

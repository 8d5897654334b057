using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatPlatform.Testing.Files;
using Npgsql;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// <c>GET /v1/export</c> through the real processes: the gateway composes the zip from chat, ingestion and billing as
/// they answer for the caller, and only for the caller; the zip's conversations import back through the gateway.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class ExportEndToEndTests(PlatformFixture platform)
{
    private const string Password = "a long enough password for exporting";

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task The_export_zip_holds_the_callers_conversations_files_usage_and_account_and_nothing_of_anyone_else()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, userId, email) = await SignedInClientAsync(ct);
        using var _ = client;
        var (bystander, bystanderId, bystanderEmail) = await SignedInClientAsync(ct);
        using var __ = bystander;
        var pdf = MinimalPdf.Create("Alpacas graze on the high plateau.");
        var fileId = await UploadAsync(client, pdf, ct);
        var conversation = await CreateConversationAsync(client, "Alpaca notes", ct);
        await TurnAsync(client, conversation, ct);
        var theirs = await CreateConversationAsync(bystander, "Bystander secret", ct);
        var theirFile = await UploadAsync(bystander, MinimalPdf.Create("Not yours."), ct);
        await WaitUntilAsync(async () => await CountAsync("SELECT count(*) FROM billing.ledger WHERE user_id = $1", ct, userId) > 0, ct);

        using var response = await client.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("chatplatform-export-", response.Content.Headers.ContentDisposition?.FileNameStar ?? "", StringComparison.Ordinal);
        // Streamed as it is composed: no length is known when the headers go.
        Assert.Null(response.Content.Headers.ContentLength);
        byte[] bytes;
        try
        {
            bytes = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            // A cut download: the services' logs say which part failed.
            Assert.Fail($"The export was cut ({e.Message}).\n{Platform.DescribeResources()}");
            throw;
        }
        await using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entries = zip.Entries.Select(e => e.FullName).ToList();

        Assert.Equal(
            ["README.md", "account.json", "settings.json", $"conversations/{conversation}.json", $"conversations/{conversation}.md",
             $"files/{fileId}/notes.pdf", "files/files.json", "shares/shares.json", "usage/ledger.csv"],
            entries);
        var account = JsonDocument.Parse(Read(zip, "account.json")).RootElement;
        Assert.Equal(email, account.GetProperty("email").GetString());
        Assert.False(account.TryGetProperty("passwordHash", out var ___));
        var tree = JsonDocument.Parse(Read(zip, $"conversations/{conversation}.json")).RootElement;
        Assert.Equal("chatplatform.conversation", tree.GetProperty("format").GetString());
        Assert.Equal(["user", "assistant"], tree.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.StartsWith("# Alpaca notes", Encoding.UTF8.GetString(Read(zip, $"conversations/{conversation}.md")), StringComparison.Ordinal);
        Assert.Equal(pdf, Read(zip, $"files/{fileId}/notes.pdf"));
        var files = JsonDocument.Parse(Read(zip, "files/files.json")).RootElement;
        Assert.Equal($"files/{fileId}/notes.pdf", files[0].GetProperty("path").GetString());
        var ledger = Encoding.UTF8.GetString(Read(zip, "usage/ledger.csv"));
        Assert.Contains(conversation.ToString(), ledger, StringComparison.Ordinal);
        Assert.Contains("`shares/shares.json`", Encoding.UTF8.GetString(Read(zip, "README.md")), StringComparison.Ordinal);
        var everything = string.Join('\n', zip.Entries.Select(e => Encoding.UTF8.GetString(Read(zip, e.FullName))));
        foreach (var foreign in new[] { bystanderId.ToString(), bystanderEmail, theirs.ToString(), theirFile.ToString(), "Bystander secret" })
        {
            Assert.DoesNotContain(foreign, everything, StringComparison.Ordinal);
        }

        // The zip imports back through the gateway: its conversations, as new ones of the caller's.
        using var import = await client.PostAsync("/v1/conversations/import",
            new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } }, ct);
        var imported = await import.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(import.StatusCode == HttpStatusCode.Created, imported.ToString());
        Assert.Equal(["Alpaca notes"], imported.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.Equal(2, await CountAsync("SELECT count(*) FROM chat.conversations WHERE user_id = $1 AND title = 'Alpaca notes'", ct, userId));
    }

    [Fact]
    public async Task An_api_key_cannot_export_the_account_nor_can_an_anonymous_caller()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, _, _) = await SignedInClientAsync(ct);
        using var _ = client;
        using var created = await client.PostAsJsonAsync("/v1/api-keys", new { name = "script" }, ct);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString();
        using var withKey = Platform.CreateHttpClient("gateway");
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var anonymous = Platform.CreateHttpClient("gateway");

        Assert.Equal(HttpStatusCode.Forbidden, (await withKey.GetAsync("/v1/export", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/export", ct)).StatusCode);
    }

    private static byte[] Read(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private async Task<(HttpClient Client, Guid UserId, string Email)> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        var email = $"exporting-{Guid.NewGuid():N}@example.com";
        using var response = await client.PostAsJsonAsync("/v1/auth/register", new { email, password = Password }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return (client, tokens.GetProperty("user").GetProperty("id").GetGuid(), email);
    }

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] bytes, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "notes.pdf" } };
        using var response = await client.PostAsync("/v1/files", form, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, string title, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model = "sim-fast", title }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task TurnAsync(HttpClient client, Guid conversation, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns")
        {
            Content = JsonContent.Create(new { content = "Tell me about alpacas." }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        Assert.Equal("done", (await stream.ReadToEndAsync(ct))[^1].Type);
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

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// Files through the real processes (docs/files.md): gateway (auth, forwarding) → ingestion → Azurite and PostgreSQL,
/// as the AppHost wires them.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class FilesEndToEndTests(PlatformFixture platform)
{
    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task A_file_uploaded_through_the_gateway_comes_back_to_its_owner_only()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await SignedInClientAsync(ct);
        using var other = await SignedInClientAsync(ct);
        var pdf = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        "%PDF-1.7\n"u8.CopyTo(pdf);

        using var created = await owner.PostAsync("/v1/files", new MultipartFormDataContent { { new ByteArrayContent(pdf), "file", "report.pdf" } }, ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var file = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var id = file.GetProperty("id").GetGuid();
        Assert.Equal("application/pdf", file.GetProperty("mediaType").GetString());
        using var content = await owner.GetAsync($"/v1/files/{id}/content", ct);
        Assert.Equal(pdf, await content.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal("nosniff", content.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/files/{id}/content", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/v1/files/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/v1/files/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/v1/files/{id}", ct)).StatusCode);
    }

    [Fact]
    public async Task A_direct_upload_to_the_platforms_blob_storage_completes_through_the_gateway()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var png = RandomNumberGenerator.GetBytes(200_000);
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);

        using var created = await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "photo.png", size = png.Length }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        using var storage = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, body.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(png) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Created, (await storage.SendAsync(put, ct)).StatusCode);
        var id = body.GetProperty("file").GetProperty("id").GetGuid();

        using var completed = await client.PostAsync($"/v1/files/{id}/complete", null, ct);

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var file = await completed.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("image/png", file.GetProperty("mediaType").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), file.GetProperty("sha256").GetString());
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/files", ct);
        Assert.Equal(id, list.GetProperty("files")[0].GetProperty("id").GetGuid());
        Assert.Equal(png.Length, list.GetProperty("usage").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task A_text_file_over_its_limit_is_refused_through_the_gateway_and_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        // Over the 10 MB allowed for text, under the 50 MB the gateway lets through.
        var text = new byte[12 * 1024 * 1024];
        text.AsSpan().Fill((byte)'a');

        using var response = await client.PostAsync("/v1/files", new MultipartFormDataContent { { new ByteArrayContent(text), "file", "notes.txt" } }, ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("10 MB allowed for a text file", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/files", ct);
        Assert.Equal(0, list.GetProperty("usage").GetProperty("files").GetInt32());
    }

    private async Task<HttpClient> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        using var response = await client.PostAsJsonAsync("/v1/auth/register",
            new { email = $"files-{Guid.NewGuid():N}@example.com", password = "a long enough password " + Guid.NewGuid() }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }
}

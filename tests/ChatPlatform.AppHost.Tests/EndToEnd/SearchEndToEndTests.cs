using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// <c>GET /v1/search</c> through the real processes: chat embeds its entries and the query through ingestion's
/// <c>/internal/embeddings</c> (service discovery, internal tokens, the real MiniLM), so a paraphrase is found, and
/// only by its owner; the gateway does not forward <c>/internal</c>.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class SearchEndToEndTests(PlatformFixture platform)
{
    private const string Password = "a long enough password for searching";

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task A_paraphrase_is_found_by_meaning_for_its_owner_only()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await SignedInClientAsync(ct);
        using var stranger = await SignedInClientAsync(ct);
        using var created = await owner.PostAsJsonAsync("/v1/conversations", new { model = "sim-fast" }, ct);
        var conversation = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        using var posted = await owner.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { content = "I spent Sunday fixing my car." }, ct);
        var message = (await posted.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        while (!(await MessageIdsAsync(owner, "automobile repair", ct)).Contains(message))
        {
            await Task.Delay(200, deadline.Token);
        }

        Assert.Empty(await MessageIdsAsync(stranger, "automobile repair", ct));
        using var forwarded = await owner.PostAsJsonAsync("/internal/embeddings", new { texts = new[] { "x" } }, ct);
        Assert.Equal(HttpStatusCode.NotFound, forwarded.StatusCode);
    }

    private static async Task<List<string?>> MessageIdsAsync(HttpClient client, string q, CancellationToken ct)
    {
        using var response = await client.GetAsync($"/v1/search?q={Uri.EscapeDataString(q)}", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.TryGetProperty("messageId", out var id) ? id.GetString() : null)];
    }

    private async Task<HttpClient> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        using var response = await client.PostAsJsonAsync("/v1/auth/register", new { email = $"searching-{Guid.NewGuid():N}@example.com", password = Password }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }
}

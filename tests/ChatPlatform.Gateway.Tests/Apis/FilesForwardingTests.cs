using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary><c>/v1/files/**</c> goes to ingestion as it came, acting for the caller the gateway authenticated and no one else.</summary>
public sealed class FilesForwardingTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_files_route_reaches_ingestion_for_the_caller_and_a_forged_user_id_goes_nowhere()
    {
        await using var ingestion = await FakeIngestionService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Settings(ingestion));
        var (userId, victim) = (Guid.NewGuid(), Guid.NewGuid());
        var client = host.CreateClient(TestTokens.Mint(userId, tier: "pro"));
        client.DefaultRequestHeaders.Add("X-User-Id", victim.ToString());
        var id = Guid.NewGuid();
        var upload = new MultipartFormDataContent { { new ByteArrayContent("%PDF-1.7"u8.ToArray()), "file", "a.pdf" } };
        var requests = new (HttpMethod Method, string Path, HttpContent? Body)[]
        {
            (HttpMethod.Get, $"/v1/files?limit=5&before={id}", null),
            (HttpMethod.Post, "/v1/files", upload),
            (HttpMethod.Post, "/v1/files/upload-url", JsonContent.Create(new { name = "a.pdf", size = 10, userId = victim })),
            (HttpMethod.Post, $"/v1/files/{id}/complete", null),
            (HttpMethod.Get, $"/v1/files/{id}", null),
            (HttpMethod.Get, $"/v1/files/{id}/content", null),
            (HttpMethod.Delete, $"/v1/files/{id}?userId={victim}", null),
        };

        foreach (var (method, path, body) in requests)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var received = ingestion.Requests.ToArray();
        Assert.Equal(requests.Select(r => (r.Method.Method, r.Path)), received.Select(r => (r.Method, r.PathAndQuery)));
        Assert.All(received, r =>
        {
            Assert.Equal([userId.ToString()], r.UserIds);
            Assert.Equal(["pro"], r.Tiers);
            Assert.False(r.HadCredentials);
        });
        Assert.StartsWith("multipart/form-data; boundary=", received[1].ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upload_larger_than_kestrels_default_limit_streams_through_whole()
    {
        await using var ingestion = await FakeIngestionService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Settings(ingestion));
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        // Over the 30 MB Kestrel allows by default, under the 50 MB document limit.
        var file = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        var upload = new MultipartFormDataContent { { new ByteArrayContent(file), "file", "big.pdf" } };
        var bytes = await upload.ReadAsByteArrayAsync(Cancellation);

        var response = await client.PostAsync("/v1/files", upload, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(ingestion.Requests);
        Assert.Equal(bytes.LongLength, received.BodyLength);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), received.BodySha256);
    }

    [Fact]
    public async Task An_upload_over_the_configured_largest_file_answers_413_and_is_not_forwarded()
    {
        await using var ingestion = await FakeIngestionService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Settings(ingestion, new() { ["Files:MaxFileBytes"] = "1048576" }));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        var upload = new MultipartFormDataContent { { new ByteArrayContent(new byte[2 * 1024 * 1024]), "file", "big.pdf" } };

        var response = await client.PostAsync("/v1/files", upload, Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(ingestion.Requests);
    }

    [Fact]
    public async Task Files_routes_without_a_credential_or_with_other_methods_are_not_forwarded()
    {
        await using var ingestion = await FakeIngestionService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Settings(ingestion));
        var anonymous = host.CreateClient();
        var user = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));

        var unauthenticated = await anonymous.GetAsync("/v1/files", Cancellation);
        var put = await user.PutAsync($"/v1/files/{Guid.NewGuid()}", JsonContent.Create(new { name = "x" }), Cancellation);
        var patch = await user.PatchAsync($"/v1/files/{Guid.NewGuid()}", JsonContent.Create(new { name = "x" }), Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
        Assert.Empty(ingestion.Requests);
    }

    private static Dictionary<string, string?> Settings(FakeIngestionService ingestion, Dictionary<string, string?>? more = null)
    {
        var settings = Upstream.Settings(more: more);
        settings["services:ingestion:http:0"] = ingestion.Address;
        return settings;
    }
}

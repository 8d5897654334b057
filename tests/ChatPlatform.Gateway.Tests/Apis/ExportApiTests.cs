using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// <c>GET /v1/export</c> on real Kestrel: the zip composed from chat, ingestion and billing (one test server playing
/// the three), asked for the caller only, streamed; a service failing midway cuts the download.
/// </summary>
public sealed class ExportApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Guid ConversationId = Guid.NewGuid();
    private static readonly Guid ArchivedId = Guid.NewGuid();
    private static readonly Guid FileId = Guid.NewGuid();
    private static readonly Guid QuarantinedId = Guid.NewGuid();

    [Fact]
    public async Task The_zip_holds_every_part_asked_for_the_caller_and_safe_entry_names()
    {
        await using var services = await FakeServices.StartAsync(failContent: false);
        await using var host = await StartAsync(services);
        var (client, user) = await SignedInAsync(host);
        var (other, _) = await SignedInAsync(host);
        using (other)
        {
            using var theirs = await other.PutAsJsonAsync("/v1/me/settings", new { theme = "light", systemPrompt = "THEIR-PROMPT" }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        }
        using (var mine = await client.PutAsJsonAsync("/v1/me/settings", new { theme = "dark", enterToSend = false, systemPrompt = "MY-PROMPT" }, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }

        using var response = await client.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var bytes = await response.Content.ReadAsByteArrayAsync(Cancellation);
        await using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var settings = System.Text.Json.JsonDocument.Parse(Read(zip, "settings.json")).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(
            ["README.md", "account.json", "settings.json", $"conversations/{ConversationId}.json", $"conversations/{ConversationId}.md",
             $"conversations/{ArchivedId}.json", $"conversations/{ArchivedId}.md", $"files/{FileId}/_.._etc_passwd.txt", "files/files.json",
             "shares/shares.json", "usage/ledger.csv"],
            zip.Entries.Select(e => e.FullName));
        Assert.Equal("file bytes", Read(zip, $"files/{FileId}/_.._etc_passwd.txt"));
        Assert.Contains($"\"path\": \"files/{FileId}/_.._etc_passwd.txt\"", Read(zip, "files/files.json"), StringComparison.Ordinal);
        Assert.Contains("\"path\": null", Read(zip, "files/files.json"), StringComparison.Ordinal);
        Assert.Contains(user.Email, Read(zip, "account.json"), StringComparison.Ordinal);
        Assert.DoesNotContain("AQAAAA", Read(zip, "account.json"), StringComparison.Ordinal);
        Assert.Equal("chatplatform.settings", settings.GetProperty("format").GetString());
        Assert.Equal("dark", settings.GetProperty("theme").GetString());
        Assert.False(settings.GetProperty("enterToSend").GetBoolean());
        Assert.Equal("MY-PROMPT", settings.GetProperty("systemPrompt").GetString());
        Assert.All(zip.Entries, e => Assert.DoesNotContain("THEIR-PROMPT", Read(zip, e.FullName), StringComparison.Ordinal));
        Assert.Contains("settings.json", Read(zip, "README.md"), StringComparison.Ordinal);
        Assert.Equal("occurred_at\r\n", Read(zip, "usage/ledger.csv"));
        // Both pages of the caller's shares.
        Assert.Contains("\"shareId\": \"first\"", Read(zip, "shares/shares.json"), StringComparison.Ordinal);
        Assert.Contains("\"shareId\": \"second\"", Read(zip, "shares/shares.json"), StringComparison.Ordinal);
        // Every call acted for the caller, and only for them.
        Assert.All(services.Subjects, subject => Assert.Equal(user.Id.ToString(), subject));
        Assert.Contains("/v1/conversations?limit=100&archived=true", services.Paths);
        Assert.Contains($"/v1/files/{QuarantinedId}/content", services.Paths);
    }

    [Fact]
    public async Task A_service_failing_midway_cuts_the_download_instead_of_finishing_a_partial_zip()
    {
        await using var services = await FakeServices.StartAsync(failContent: true);
        await using var host = await StartAsync(services);
        var (client, _) = await SignedInAsync(host);

        using var response = await client.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Contains(host.Logs, line => line.Contains("An export was cut: ingestion answered 500", StringComparison.Ordinal));
    }

    private Task<GatewayHost> StartAsync(FakeServices services) => GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(
        chat: services.Address,
        more: new Dictionary<string, string?> { ["services:ingestion:http:0"] = services.Address, ["services:billing:http:0"] = services.Address }));

    private async Task<(HttpClient Client, UserInfo User)> SignedInAsync(GatewayHost host)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var response = await client.PostAsJsonAsync("/v1/auth/register", new { email = GatewayHost.NewEmail(), password = GatewayHost.Password }, Cancellation);
        var tokens = (await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return (client, tokens.User);
    }

    private static string Read(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Chat, ingestion and billing as far as the export asks them, recording who each call acted for.</summary>
    private sealed class FakeServices : IAsyncDisposable
    {
        private LoopbackHttpServer? _server;

        public ConcurrentQueue<string?> Subjects { get; } = new();

        public ConcurrentQueue<string> Paths { get; } = new();

        public string Address => _server!.BaseAddress.ToString().TrimEnd('/');

        public static async Task<FakeServices> StartAsync(bool failContent)
        {
            var services = new FakeServices();
            services._server = await LoopbackHttpServer.StartAsync(routes => routes.Map("/{**path}", async (HttpContext context) =>
            {
                var caller = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
                services.Subjects.Enqueue(caller?.FindFirst("sub")?.Value);
                var path = $"{context.Request.Path}{context.Request.QueryString}";
                services.Paths.Enqueue(path);
                return path switch
                {
                    "/v1/conversations?limit=100&archived=false" => Results.Json(new { items = new[] { new { id = ConversationId } }, nextCursor = (string?)null }),
                    "/v1/conversations?limit=100&archived=true" => Results.Json(new { items = new[] { new { id = ArchivedId } }, nextCursor = (string?)null }),
                    _ when path.EndsWith("/export?format=json", StringComparison.Ordinal) => Results.Text("{\"format\":\"chatplatform.conversation\"}", "application/json"),
                    _ when path.EndsWith("/export?format=markdown", StringComparison.Ordinal) => Results.Text("# A title", "text/markdown"),
                    "/v1/files?limit=100" => Results.Json(new
                    {
                        files = new object[]
                        {
                            new { id = FileId, name = "../../etc/passwd.txt", status = "ready" },
                            new { id = QuarantinedId, name = "eicar.com", status = "quarantined" },
                        },
                        nextBefore = (Guid?)null,
                    }),
                    _ when path == $"/v1/files/{FileId}/content" => failContent ? Results.StatusCode(500) : Results.Text("file bytes", "text/plain"),
                    _ when path == $"/v1/files/{QuarantinedId}/content" => Results.StatusCode(410),
                    "/v1/usage/export.csv" => Results.Text("occurred_at\r\n", "text/csv"),
                    "/v1/shares?limit=100" => Results.Json(new { items = new[] { new { shareId = "first" } }, nextCursor = "page-2" }),
                    "/v1/shares?limit=100&cursor=page-2" => Results.Json(new { items = new[] { new { shareId = "second" } }, nextCursor = (string?)null }),
                    _ => Results.NotFound(),
                };
            }), Cancellation);
            return services;
        }

        public ValueTask DisposeAsync() => _server!.DisposeAsync();
    }
}

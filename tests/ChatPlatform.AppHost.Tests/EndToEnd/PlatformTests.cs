using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

[Collection(nameof(SharedPlatformCollection))]
public sealed partial class PlatformTests(PlatformFixture platform)
{
    private static readonly string[] Projects = ["model-router", "billing", "ingestion", "chat", "gateway", "web"];
    private static readonly string[] Stores = ["postgres", "chatdb", "redis", "blobs"];

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public void Every_resource_is_running_and_healthy()
    {
        var notifications = Platform.App.Services.GetRequiredService<ResourceNotificationService>();

        Assert.Equal([.. Stores, .. Projects], Platform.Resources.Select(r => r.Name));
        Assert.All(Platform.Resources, r =>
        {
            Assert.True(notifications.TryGetCurrentState(r.Name, out var e), r.Name);
            Assert.Equal(KnownResourceStates.Running, e.Snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, e.Snapshot.HealthStatus);
        });
    }

    [Fact]
    public async Task Every_project_reports_healthy_on_its_own_health_endpoint_and_answers_alive()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var project in Projects)
        {
            using var client = Platform.CreateHttpClient(project);
            // The platform is shared: right after another test's Redis outage a service may still report Degraded until
            // its breaker lets it try Redis again. Healthy again within the wait is what is asserted.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpStatusCode status;
            JsonElement body;
            while (true)
            {
                using var health = await client.GetAsync("/health", ct);
                (status, body) = (health.StatusCode, await health.Content.ReadFromJsonAsync<JsonElement>(ct));
                if (body.GetProperty("status").GetString() == "Healthy" || DateTime.UtcNow > deadline)
                {
                    break;
                }
                await Task.Delay(250, ct);
            }
            using var alive = await client.GetAsync("/alive", ct);

            Assert.True(status == HttpStatusCode.OK, $"{project}: {(int)status} {body}");
            Assert.Equal("Healthy", body.GetProperty("status").GetString());
            Assert.True(alive.StatusCode == HttpStatusCode.OK, $"{project} /alive: {(int)alive.StatusCode}");
        }
    }

    [Fact]
    public async Task The_web_home_page_serves_html_with_its_stylesheet_and_blazor_script()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = Platform.CreateHttpClient("web");

        using var page = await web.GetAsync("/", ct);
        var html = await page.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // Fingerprinted names come from the static web assets manifest: served only when run from the project folder.
        var assets = AssetReference().Matches(html).Select(m => m.Groups["path"].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.Contains("_framework/blazor.web", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await web.GetAsync(asset, ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Each_project_receives_the_connection_strings_and_services_it_references_and_no_others()
    {
        var gateway = await EnvironmentOfAsync("gateway");
        var ingestion = await EnvironmentOfAsync("ingestion");
        var web = await EnvironmentOfAsync("web");

        Assert.Equal(await Platform.ConnectionStringAsync("chatdb"), gateway["ConnectionStrings__chatdb"]);
        Assert.Equal(await Platform.ConnectionStringAsync("redis"), gateway["ConnectionStrings__redis"]);
        Assert.Equal(await Platform.ConnectionStringAsync("blobs"), ingestion["ConnectionStrings__blobs"]);
        Assert.False(gateway.ContainsKey("ConnectionStrings__blobs"));
        Assert.False(ingestion.ContainsKey("ConnectionStrings__redis"));
        // Web holds only blob storage: its data-protection key ring, shared by its replicas.
        Assert.Equal(["ConnectionStrings__blobs"], web.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)));
        Assert.Equal(await Platform.ConnectionStringAsync("blobs"), web["ConnectionStrings__blobs"]);
        foreach (var service in new[] { "chat", "model-router", "ingestion", "billing" })
        {
            Assert.True(gateway.ContainsKey($"services__{service}__http__0"), service);
        }
        Assert.True(gateway.ContainsKey("services__chat__h2c__0"));
        Assert.Equal("gateway", gateway["OTEL_SERVICE_NAME"]);
        Assert.Equal("Development", gateway["ASPNETCORE_ENVIRONMENT"]);
    }

    [Fact]
    public async Task Settings_reach_only_the_service_that_needs_them_and_the_signing_key_only_the_gateway()
    {
        // The fixture sets Routing__RecordContent in the host's environment, which every child would otherwise inherit.
        var router = await EnvironmentOfAsync("model-router");
        var gateway = await EnvironmentOfAsync("gateway");
        var others = await Task.WhenAll(new[] { "chat", "billing", "ingestion", "web" }.Select(EnvironmentOfAsync));

        Assert.Equal(PlatformFixture.RouterSetting.Value, router[PlatformFixture.RouterSetting.Name]);
        Assert.False(gateway.ContainsKey(PlatformFixture.RouterSetting.Name));
        Assert.All(others, environment => Assert.False(environment.ContainsKey(PlatformFixture.RouterSetting.Name)));
        var keyFile = Path.Combine(Platform.DataDirectory, "gateway-signing-key");
        Assert.Equal(await File.ReadAllTextAsync(keyFile, TestContext.Current.CancellationToken), gateway["Auth__SigningKey"]);
        Assert.False(router.ContainsKey("Auth__SigningKey"));
        Assert.All(others, environment => Assert.False(environment.ContainsKey("Auth__SigningKey")));
        // The internal key: one, generated once into the data folder, for every service but web, not the signing key.
        var internalKey = await File.ReadAllTextAsync(Path.Combine(Platform.DataDirectory, "internal-key"), TestContext.Current.CancellationToken);
        Assert.All([router, gateway, .. others[..3]], environment => Assert.Equal(internalKey, environment["Internal__Key"]));
        Assert.False(others[3].ContainsKey("Internal__Key"));
        Assert.NotEqual(gateway["Auth__SigningKey"], internalKey);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_data_folder_keeps_its_secrets_and_stores_readable_by_their_owner_only()
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var secret in new[] { "postgres.password", "redis.password", "blobs.key", "gateway-signing-key", "internal-key" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Platform.DataDirectory, secret)));
        }
        foreach (var store in new[] { "postgres", "redis", "blobs" })
        {
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(Platform.DataDirectory, store)) & ~OwnerOnly);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Platform.DataDirectory, "redis", "redis.conf")));
    }

    [Fact]
    public async Task Chat_answers_cleartext_HTTP2_on_its_h2c_endpoint_and_HTTP1_on_its_http_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var overHttp2 = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.Endpoint("chat", "h2c"), "/alive"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        }, ct);
        using var overHttp1 = await http.GetAsync(new Uri(Platform.Endpoint("chat"), "/alive"), ct);

        Assert.Equal(HttpStatusCode.OK, overHttp2.StatusCode);
        Assert.Equal(HttpVersion.Version20, overHttp2.Version);
        Assert.Equal(HttpStatusCode.OK, overHttp1.StatusCode);
        Assert.Equal(HttpVersion.Version11, overHttp1.Version);
    }

    [Fact]
    public async Task Tests_get_a_temporary_data_folder_and_random_ports_not_the_developer_defaults()
    {
        var ct = TestContext.Current.CancellationToken;

        Assert.StartsWith(Path.GetTempPath(), Platform.DataDirectory, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Platform.DataDirectory, "postgres", "PG_VERSION")));
        Assert.NotEqual(5000, Platform.Endpoint("gateway").Port);
        Assert.NotEqual(5080, Platform.Endpoint("web").Port);
        var chatdb = new NpgsqlConnectionStringBuilder(await Platform.ConnectionStringAsync("chatdb"));
        Assert.Equal("chatdb", chatdb.Database);
        await using var connection = new NpgsqlConnection(chatdb.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
    }

    private Task<IReadOnlyDictionary<string, string>> EnvironmentOfAsync(string resource) =>
        ProcessEnvironment.ReadAsync(Platform.ProcessId(resource));

    [GeneratedRegex(@"(?:href|src)=""(?<path>[^""]+\.(?:css|js))""")]
    private static partial Regex AssetReference();
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatPlatform.AppHost.Tests.Hosting;
using Npgsql;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

[Collection(nameof(FullPlatformCollection))]
public sealed partial class PlatformTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    private static readonly string[] Projects = ["model-router", "billing", "ingestion", "chat", "gateway", "web"];
    private static readonly string[] AllResources = ["postgres", "chatdb", "redis", "files", .. Projects];

    private DistributedApplication App => platform.App;

    [Fact]
    public async Task Every_resource_is_running_and_healthy_on_the_dashboard_api()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dashboard = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = App.DashboardUrl };

        var resources = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/resources", ct);

        Assert.NotNull(resources);
        Assert.Equal(AllResources.Order(), resources.Select(r => r.GetProperty("name").GetString()).Order());
        Assert.All(resources, r =>
        {
            Assert.Equal("Running", r.GetProperty("state").GetString());
            Assert.Equal("Healthy", r.GetProperty("health").GetString());
        });
        foreach (var project in resources.Where(r => r.GetProperty("type").GetString() == "project"))
        {
            // One endpoint each, and chat a second, for cleartext HTTP/2 from the gateway.
            var endpoints = project.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(project.GetProperty("name").GetString() == "chat" ? 2 : 1, endpoints.Count);
            Assert.All(endpoints, endpoint => Assert.Matches(@"^http://127\.0\.0\.1:\d+$", endpoint));
        }
    }

    [Fact]
    public async Task Every_project_reports_healthy_on_its_own_health_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var project in Projects)
        {
            using var client = App.CreateHttpClient(project);
            using var response = await client.GetAsync("/health", ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{project}: {(int)response.StatusCode} {body}");
            Assert.Equal("Healthy", body.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Every_project_answers_alive()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var project in Projects)
        {
            using var client = App.CreateHttpClient(project);
            using var response = await client.GetAsync("/alive", ct);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{project}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_web_home_page_serves_html_with_its_stylesheet_and_blazor_script()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = App.CreateHttpClient("web");

        using var page = await web.GetAsync("/", ct);
        var html = await page.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
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
    public async Task The_dashboard_page_is_self_contained_and_shows_each_resource_log()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dashboard = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = App.DashboardUrl };

        var html = await dashboard.GetStringAsync("/", ct);
        var logs = await dashboard.GetFromJsonAsync<JsonElement>("/api/resources/gateway/logs?tail=20", ct);
        using var missing = await dashboard.GetAsync("/api/resources/nobody/logs", ct);

        Assert.Contains("<table", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", html);
        Assert.Equal("127.0.0.1", App.DashboardUrl!.Host);
        Assert.NotEmpty(logs.GetProperty("lines").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Projects_receive_the_configuration_contract()
    {
        var gateway = App.GetResource("gateway");
        var environment = await ProcessEnvironment.ReadAsync(gateway.ProcessId!.Value);

        Assert.Equal(App.GetConnectionString("chatdb"), environment["ConnectionStrings__chatdb"]);
        Assert.Equal(App.GetConnectionString("redis"), environment["ConnectionStrings__redis"]);
        foreach (var service in new[] { "chat", "model-router", "ingestion", "billing" })
        {
            Assert.Equal(App.GetEndpoint(service).ToString().TrimEnd('/'), environment[$"services__{service}__http__0"]);
        }
        Assert.Equal(App.GetEndpoint("chat", "h2c").ToString().TrimEnd('/'), environment["services__chat__h2c__0"]);
        Assert.Equal(App.GetEndpoint("gateway").ToString().TrimEnd('/'), environment["Kestrel__Endpoints__http__Url"]);
        Assert.False(environment.ContainsKey("ASPNETCORE_URLS"));
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("gateway", environment["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("service.instance.id=", environment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
        Assert.Equal(Path.Combine(App.DataDirectory, "files"), (await ProcessEnvironment.ReadAsync(App.GetResource("ingestion").ProcessId!.Value))["ConnectionStrings__files"]);
    }

    [Fact]
    public async Task Chat_answers_cleartext_HTTP2_on_its_h2c_endpoint_and_HTTP1_on_its_http_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var overHttp2 = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(App.GetEndpoint("chat", "h2c"), "/alive"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        }, ct);
        using var overHttp1 = await http.GetAsync(new Uri(App.GetEndpoint("chat"), "/alive"), ct);

        Assert.Equal(HttpStatusCode.OK, overHttp2.StatusCode);
        Assert.Equal(HttpVersion.Version20, overHttp2.Version);
        Assert.Equal(HttpStatusCode.OK, overHttp1.StatusCode);
        Assert.Equal(HttpVersion.Version11, overHttp1.Version);
    }

    [Fact]
    public async Task Tests_get_a_temporary_data_folder_and_free_ports_not_the_developer_defaults()
    {
        var ct = TestContext.Current.CancellationToken;

        Assert.StartsWith(Path.GetTempPath(), App.DataDirectory, StringComparison.Ordinal);
        Assert.NotEqual(5000, App.GetEndpoint("gateway").Port);
        Assert.NotEqual(5080, App.GetEndpoint("web").Port);
        Assert.NotEqual(18888, App.DashboardUrl!.Port);
        var chatdb = new NpgsqlConnectionStringBuilder(App.GetConnectionString("chatdb"));
        Assert.Equal("chatdb", chatdb.Database);
        await using var connection = new NpgsqlConnection(App.GetConnectionString("chatdb") + ";Pooling=false");
        await connection.OpenAsync(ct);
    }

    [GeneratedRegex(@"(?:href|src)=""(?<path>[^""]+\.(?:css|js))""")]
    private static partial Regex AssetReference();
}

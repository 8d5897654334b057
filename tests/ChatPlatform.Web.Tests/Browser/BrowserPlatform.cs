using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Testing;

[assembly: AssemblyFixture(typeof(ChatPlatform.Web.Tests.Browser.BrowserPlatform))]

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// The whole platform, started once for every browser test by the AppHost's testing model (temporary data, free
/// ports), and one headless Chromium (Debian's <c>/usr/bin/chromium</c>; <c>.ci/setup</c> installs it).
/// </summary>
public sealed class BrowserPlatform : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>600 tokens at 200 per second: a 3 s answer, long enough to follow beside the page.</summary>
    public const string StreamModel = "sim-stream-200";

    /// <summary>Fails after five tokens, as a provider that drops mid-answer.</summary>
    public const string FailingModel = "sim-failing";

    /// <summary>A model served by a provider (an OpenAI-compatible endpoint where nothing listens), so not simulated.</summary>
    public const string ProviderModel = "unreachable-provider";

    private TestPlatform? _platform;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public Uri WebUrl { get; private set; } = default!;

    /// <summary>The platform's admin (its first account), for the admin console's pages.</summary>
    public TestAccount Admin { get; } = TestAccount.New();

    public Uri GatewayUrl { get; private set; } = default!;

    /// <summary>Screenshots land here (gitignored): tests/ChatPlatform.Web.Tests/test-artifacts.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(FindProjectDirectory(), "test-artifacts");

    /// <summary>Null when the gateway serves streaming turns; otherwise why the turn scenarios cannot run.</summary>
    public string? TurnsUnavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(ArtifactsDirectory);
        _platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(ct);
        WebUrl = _platform.Endpoint("web");
        var platform = _platform;
        PageRecorder.ServerLogs = () => $"web:{Environment.NewLine}{platform.LastLinesOf("web")}{Environment.NewLine}gateway:{Environment.NewLine}{platform.LastLinesOf("gateway")}";
        GatewayUrl = _platform.Endpoint("gateway");
        // The first account of a fresh platform is its admin: registered before anything else can register.
        await RegisterThroughApiAsync(Admin, ct);
        // Before any turn: chat keeps the model list it read for a minute.
        await AddSimulatedModelAsync(StreamModel, new { timeToFirstTokenMs = 50, tokensPerSecond = 200, answerTokens = 600 }, ct);
        await AddSimulatedModelAsync(FailingModel, new { timeToFirstTokenMs = 10, tokensPerSecond = 100, answerTokens = 50, failure = "ErrorMidStream", failAfterTokens = 5 }, ct);
        await AddModelAsync(ProviderModel, new
        {
            modelId = ProviderModel,
            provider = "OpenAICompatible",
            providerModel = "llama3",
            endpoint = "http://127.0.0.1:9/v1",
            price = new { inputPerMillion = 0m, outputPerMillion = 0m },
        }, ct);
        TurnsUnavailable = await ProbeTurnsAsync(ct);

        // Two cores shared with the rest of the platform: give the page time before an expectation fails.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
    }

    /// <summary>
    /// A fresh browser context (its own cookies) and page at the given size and colour scheme, closed when the test ends
    /// (saved first if it failed: <see cref="PageRecorder"/>).
    /// </summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await _browser!.NewContextAsync(new()
        {
            BaseURL = WebUrl.ToString(),
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = colorScheme,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        PageRecorder.Track(page);
        return page;
    }

    /// <summary>A store's connection string (<c>chatdb</c>), for writing what no API writes, such as an answer's exact text.</summary>
    public Task<string> ConnectionStringAsync(string resource) => _platform!.ConnectionStringAsync(resource);

    public HttpClient CreateGatewayClient(string? accessToken = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = GatewayUrl };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        return client;
    }

    /// <summary>The access token of an account, signed in through the gateway's API (for measuring beside the browser).</summary>
    public async Task<string> SignInThroughApiAsync(string email, string password, CancellationToken cancellationToken)
    {
        using var gateway = CreateGatewayClient();
        using var response = await gateway.PostAsJsonAsync("/v1/auth/signin", new { email, password }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// Adds a simulated model with its own pace or failure through the model router's catalog API (internal, so the
    /// test calls the router itself, as an admin), and waits until the router lists it.
    /// </summary>
    public Task AddSimulatedModelAsync(string id, object simulator, CancellationToken cancellationToken) =>
        AddModelAsync(id, new
        {
            modelId = id,
            provider = "Simulator",
            providerModel = id,
            price = new { inputPerMillion = 0.1m, outputPerMillion = 0.4m },
            simulator,
        }, cancellationToken);

    /// <summary>Adds a model with one deployment through the model router's catalog API and waits until the router lists it.</summary>
    public async Task AddModelAsync(string id, object deploymentDefinition, CancellationToken cancellationToken)
    {
        // The router's admin API wants an admin's internal token: minted with the key the AppHost generated.
        using var router = _platform!.CreateHttpClient("model-router");
        var key = await File.ReadAllTextAsync(Path.Combine(_platform.DataDirectory, "internal-key"), cancellationToken);
        router.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(InternalTokens.Mint("admin", Guid.NewGuid(), key: key.Trim()));
        using var model = await router.PutAsJsonAsync($"/v1/admin/models/{id}",
            new { displayName = id, contextWindow = 32_768, maxOutputTokens = 4_096 }, cancellationToken);
        model.EnsureSuccessStatusCode();
        using var deployment = await router.PutAsJsonAsync($"/v1/admin/deployments/{id}-1", deploymentDefinition, cancellationToken);
        deployment.EnsureSuccessStatusCode();
        while (!(await router.GetStringAsync("/v1/models", cancellationToken)).Contains($"\"{id}\"", StringComparison.Ordinal))
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    public async Task<string> RegisterThroughApiAsync(TestAccount account, CancellationToken cancellationToken)
    {
        using var gateway = CreateGatewayClient();
        using var response = await gateway.PostAsJsonAsync("/v1/auth/register", new { email = account.Email, password = account.Password }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
    }

    // Streaming turns come from the chat and gateway work; until both are in, the scenarios that need answers skip.
    private async Task<string?> ProbeTurnsAsync(CancellationToken cancellationToken)
    {
        var email = $"probe-{Guid.NewGuid():N}@example.com";
        const string password = "Probe-password-1";
        using var gateway = CreateGatewayClient();
        using var registered = await gateway.PostAsJsonAsync("/v1/auth/register", new { email, password }, cancellationToken);
        var token = (await registered.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString();
        using var api = CreateGatewayClient(token);
        using var models = await api.GetAsync("/v1/models", cancellationToken);
        if (!models.IsSuccessStatusCode)
        {
            return $"The gateway does not serve GET /v1/models yet ({(int)models.StatusCode}).";
        }
        var model = (await models.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("data")[0].GetProperty("id").GetString();
        using var created = await api.PostAsJsonAsync("/v1/conversations", new { model }, cancellationToken);
        if (!created.IsSuccessStatusCode)
        {
            return $"The gateway does not forward /v1/conversations yet ({(int)created.StatusCode}).";
        }
        var conversationId = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString();
        using var turn = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns") { Content = JsonContent.Create(new { content = "probe" }) };
        using var answer = await api.SendAsync(turn, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return answer.IsSuccessStatusCode && answer.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? null
            : $"The gateway does not stream POST /v1/conversations/{{id}}/turns yet ({(int)answer.StatusCode}).";
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    private static string FindProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ChatPlatform.Web.Tests.csproj")))
            {
                return directory.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}

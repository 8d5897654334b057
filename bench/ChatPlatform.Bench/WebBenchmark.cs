using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing.Platform;
using Microsoft.Playwright;

namespace ChatPlatform.Bench;

/// <summary>
/// The web chat in headless Chromium (Debian's <c>/usr/bin/chromium</c>) against the whole platform, in one run:
/// (1) opening a 500-message conversation (imported through the API: 250 questions and Markdown answers with code and
///     a table, as the simulated model writes them) until its last message is painted, beside a 20-message one, several
///     rounds each, alternated;
/// (2) time to first token on the page beside an API client's, in WebBenchmark.TimeToFirstToken.cs.
/// Arguments: <c>web [rounds, default 7]</c>; <c>web screenshots [folder, default docs/screenshots]</c> writes the
/// README's screenshots instead (chat light and dark, phone, settings, usage, admin).
/// </summary>
public static partial class WebBenchmark
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string Model = "bench-web";
    private const int TimeToFirstTokenMs = 50;

    private const string Password = "Bench-password-42";
    private const string Prompt = "Show me a table and some code in C#";

    public static async Task RunAsync(string[] args)
    {
        var screenshots = args is ["screenshots", ..] ? (args.Length > 1 ? args[1] : Path.Combine(RepositoryRoot.Find(), "docs", "screenshots")) : null;
        var rounds = screenshots is null && args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var starting = Stopwatch.StartNew();
        await using var app = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(CancellationToken.None,
        [
            "--Catalog:Models:0:Id=" + Model,
            "--Catalog:Models:0:ContextWindow=32768",
            "--Catalog:Models:0:MaxOutputTokens=1024",
            "--Catalog:Deployments:0:Id=" + Model + "-1",
            "--Catalog:Deployments:0:ModelId=" + Model,
            "--Catalog:Deployments:0:Provider=Simulator",
            "--Catalog:Deployments:0:Simulator:TimeToFirstTokenMs=" + TimeToFirstTokenMs.ToString(CultureInfo.InvariantCulture),
            "--Catalog:Deployments:0:Simulator:TokensPerSecond=400",
            "--Catalog:Deployments:0:Simulator:AnswerTokens=60",
            .. PlatformBenchmark.NoRateLimits,
            .. AppHostBenchmark.QuietLogging,
        ]);
        Console.WriteLine($"platform healthy in {starting.Elapsed.TotalSeconds:0.0} s; simulated model: first token after {TimeToFirstTokenMs} ms");

        var gatewayUrl = app.Endpoint("gateway");
        var webUrl = app.Endpoint("web");
        var email = $"bench-{Guid.NewGuid():N}@example.com";
        using var api = new HttpClient { BaseAddress = gatewayUrl, Timeout = TimeSpan.FromMinutes(5) };
        using (var registered = await api.PostAsJsonAsync("/v1/auth/register", new { email, password = Password }))
        {
            registered.EnsureSuccessStatusCode();
            var token = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
        var page = await SignInAsync(browser, webUrl, email, 1280, 800, ColorScheme.Light);
        if (screenshots is not null)
        {
            await ScreenshotsAsync(browser, webUrl, email, page, screenshots);
            return;
        }

        await UsableAfterSignInAsync(browser, webUrl, email, rounds);
        await OpenLongThreadAsync(api, page, rounds);
        await TimeToFirstTokenAsync(api, page, rounds * 3);
    }

    /// <summary>
    /// From pressing "Sign in" to a chat one can type in: the page's <c>data-ready</c>, set once the circuit is up and
    /// the page's script has run (the first render after it went interactive), each round in a fresh browser context,
    /// as a person signing in on a new device.
    /// </summary>
    private static async Task UsableAfterSignInAsync(IBrowser browser, Uri webUrl, string email, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"(0) time to a usable chat after sign-in, {rounds} rounds, a fresh browser context each");
        var times = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            await using var context = await browser.NewContextAsync(new() { BaseURL = webUrl.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
            context.SetDefaultTimeout(60_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync("signin");
            await page.GetByLabel("Email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync(Password);
            var started = Stopwatch.GetTimestamp();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.Locator(".app[data-ready='true']").WaitForAsync();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        Console.WriteLine($"{"",-52} {"p50 ms",8} {"p95 ms",8} {"min",8} {"max",8}");
        Print("sign-in to usable chat", times);
    }

    private static async Task<IPage> SignInAsync(IBrowser browser, Uri webUrl, string email, int width, int height, ColorScheme scheme)
    {
        var context = await browser.NewContextAsync(new() { BaseURL = webUrl.ToString(), ViewportSize = new() { Width = width, Height = height }, ColorScheme = scheme });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("signin");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator(".app[data-ready='true']").WaitForAsync();
        return page;
    }

    // ---- the README's screenshots (the bench's account is the platform's first, so its admin) ----

    private static async Task ScreenshotsAsync(IBrowser browser, Uri webUrl, string email, IPage page, string folder)
    {
        Directory.CreateDirectory(folder);
        await page.GetByLabel("Model", new() { Exact = true }).SelectOptionAsync(Model);
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true }).FillAsync(Prompt);
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true }).PressAsync("Enter");
        await page.Locator("article.message.assistant[data-status='complete']").WaitForAsync();
        var conversation = page.Url;
        await SaveAsync(page, folder, "chat-light");
        foreach (var (name, path, ready) in new[]
        {
            ("settings", "settings", "main[data-ready='true']"),
            ("usage", "usage", "main[data-ready='true']"),
            ("admin", "admin", "h1#admin-title"),
        })
        {
            await page.GotoAsync(path);
            await page.Locator(ready).WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await SaveAsync(page, folder, name);
        }
        var dark = await SignInAsync(browser, webUrl, email, 1280, 800, ColorScheme.Dark);
        await dark.GotoAsync(conversation);
        await dark.Locator("article.message.assistant[data-status='complete']").WaitForAsync();
        await SaveAsync(dark, folder, "chat-dark");
        var phone = await SignInAsync(browser, webUrl, email, 390, 844, ColorScheme.Light);
        await phone.GotoAsync(conversation);
        await phone.Locator("article.message.assistant[data-status='complete']").WaitForAsync();
        await SaveAsync(phone, folder, "phone");
    }

    private static async Task SaveAsync(IPage page, string folder, string name)
    {
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path });
        Console.WriteLine($"wrote {path}");
    }

    // ---- (1) a long thread ----

    private static async Task OpenLongThreadAsync(HttpClient api, IPage page, int rounds)
    {
        var template = await OneTurnExportAsync(api);
        var small = await ImportAsync(api, template, messages: 20);
        var large = await ImportAsync(api, template, messages: 500);
        Console.WriteLine();
        Console.WriteLine($"(1) opening a conversation until its last message is painted, {rounds} rounds each, alternated");
        var times = new Dictionary<int, List<(double Painted, double Interactive)>> { [20] = [], [500] = [] };
        for (var round = 0; round < rounds + 1; round++)
        {
            foreach (var (count, (id, lastId)) in new[] { (20, small), (500, large) })
            {
                var figures = await OpenAsync(page, id, lastId);
                if (round > 0)
                {
                    // The first round warms the circuit's and the browser's caches; it is not counted.
                    times[count].Add(figures);
                }
            }
        }
        Console.WriteLine($"{"messages",9} {"painted p50",12} {"p95",8} {"min",8} {"max",8} {"interactive p50",16} {"p95",8}");
        foreach (var (count, samples) in times)
        {
            var painted = samples.Select(s => s.Painted).ToList();
            var interactive = samples.Select(s => s.Interactive).ToList();
            Console.WriteLine($"{count,9} {Percentile(painted, 50),12:0} {Percentile(painted, 95),8:0} {painted.Min(),8:0} {painted.Max(),8:0} {Percentile(interactive, 50),16:0} {Percentile(interactive, 95),8:0}");
        }
        Console.WriteLine($"ratio 500/20 (p50 painted): {Percentile(times[500].Select(s => s.Painted).ToList(), 50) / Percentile(times[20].Select(s => s.Painted).ToList(), 50):0.00}; target: 500 messages under 1000 ms");
    }

    /// <summary>A full navigation to the conversation; times from the navigation's start (the page's clock).</summary>
    private static async Task<(double Painted, double Interactive)> OpenAsync(IPage page, string id, string lastId)
    {
        await page.GotoAsync("about:blank");
        await page.GotoAsync($"c/{id}", new() { WaitUntil = WaitUntilState.Commit });
        var painted = await page.EvaluateAsync<double>("""
            id => new Promise(resolve => {
                const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
                const ready = () => document.querySelector(`article.message[data-message-id="${id}"] .markdown, article.message[data-message-id="${id}"]`);
                if (ready()) return done();
                new MutationObserver((_, observer) => { if (ready()) { observer.disconnect(); done(); } })
                    .observe(document, { childList: true, subtree: true });
            })
            """, lastId);
        await page.Locator(".app[data-ready='true']").WaitForAsync();
        var interactive = await page.EvaluateAsync<double>("() => performance.now()");
        var count = await page.Locator("article.message").CountAsync();
        if (count < 20)
        {
            throw new InvalidOperationException($"The conversation showed {count} messages.");
        }
        return (painted, interactive);
    }

    private static async Task<JsonObject> OneTurnExportAsync(HttpClient api)
    {
        var id = await CreateConversationAsync(api);
        await ApiTurnAsync(api, id);
        return (await api.GetFromJsonAsync<JsonObject>($"/v1/conversations/{id}/export?format=json"))!;
    }

    /// <summary>A copy of the one-turn conversation whose question and answer repeat to <paramref name="messages"/>; its id and last message's.</summary>
    private static async Task<(string Id, string LastId)> ImportAsync(HttpClient api, JsonObject template, int messages)
    {
        var source = template["messages"]!.AsArray();
        var conversation = template.DeepClone().AsObject();
        var list = new JsonArray();
        string? parent = null;
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < messages; i++)
        {
            var message = source[i % 2]!.DeepClone().AsObject();
            var id = Guid.NewGuid().ToString();
            message["id"] = id;
            message["parentId"] = parent;
            message["createdAt"] = at.AddSeconds(i);
            message["content"] = $"{i}. " + (string)message["content"]!;
            list.Add(message);
            parent = id;
        }
        conversation["messages"] = list;
        conversation["currentLeafId"] = parent;
        conversation["title"] = $"{messages} messages";
        using var response = await api.PostAsJsonAsync($"/v1/conversations/import?model={Model}", conversation);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"import: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var imported = (await response.Content.ReadFromJsonAsync<JsonObject>())!["conversations"]![0]!;
        var id2 = (string)imported["id"]!;
        var detail = (await api.GetFromJsonAsync<JsonObject>($"/v1/conversations/{id2}"))!;
        var path = detail["messages"]!.AsArray();
        if (path.Count != messages)
        {
            throw new InvalidOperationException($"The imported conversation has {path.Count} messages on its path, not {messages}.");
        }
        return (id2, (string)path[^1]!["id"]!);
    }

    private static async Task<string> CreateConversationAsync(HttpClient api)
    {
        using var response = await api.PostAsJsonAsync("/v1/conversations", new { model = Model });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private static double Percentile(List<double> samples, int percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

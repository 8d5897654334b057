using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The admin console's overview, providers and models pages (issue 18), as an admin and as a user.</summary>
public sealed class AdminConsoleTests(BrowserPlatform platform)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<IPage> AdminPageAsync()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        await page.SignInAsync(platform.Admin);
        return page;
    }

    private async Task<string> AdminTokenAsync() =>
        await platform.SignInThroughApiAsync(platform.Admin.Email, platform.Admin.Password, Token);

    [Fact]
    public async Task The_usage_page_ranks_users_by_cost_and_exports_the_ledger_as_csv()
    {
        var admin = await AdminPageAsync();
        var user = await platform.NewPageAsync();
        var account = TestAccount.New();
        await user.SignUpAsync(account);
        await user.ChooseModelAsync("sim-fast");
        await user.SendAsync("What will this cost the platform?");
        await user.WaitForAnswerAsync();
        using var gateway = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Token));
        var userId = (await gateway.GetFromJsonAsync<JsonElement>("/v1/me", Token)).GetProperty("id").GetString()!;
        // Billing's consumer reads the answer's event off the request path.
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while ((await gateway.GetFromJsonAsync<JsonElement>("/v1/usage", deadline.Token)).GetProperty("total").GetProperty("answers").GetInt64() == 0)
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        await admin.GotoAsync(new Uri(platform.WebUrl, "admin/usage").ToString());
        await Expect(admin.Locator("main.admin-page")).ToHaveAttributeAsync("data-ready", "true");
        await admin.SelectOptionAsync("select[aria-label='Group by']", "user");
        var row = admin.Locator($"tr[data-key='{userId}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("1");

        var download = await admin.RunAndWaitForDownloadAsync(() => admin.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, Token);
        Assert.StartsWith("occurred_at,event_id,user_id,", csv, StringComparison.Ordinal);
        Assert.Contains($",{userId},chat,", csv, StringComparison.Ordinal);
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);

        // The same link asked for by someone who is not an admin: the gateway's 403, no ledger.
        var refused = await user.APIRequest.GetAsync(new Uri(platform.WebUrl, "api/admin/usage/export.csv?from=2026-01-01&to=2026-01-02").ToString());
        Assert.Equal(403, refused.Status);
        Assert.DoesNotContain("occurred_at", await refused.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_overview_shows_live_figures_that_change_after_a_turn_without_a_reload()
    {
        var page = await AdminPageAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(page.Locator("main[data-ready='true']")).ToBeVisibleAsync();
        var answers = page.Locator("[data-metric='answers']");
        var before = long.Parse(await answers.InnerTextAsync(), System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        await Expect(page.Locator("canvas[data-chart='turns'][data-points]")).ToBeAttachedAsync();
        foreach (var link in new[] { "Overview", "Providers", "Models", "Users", "Usage", "Audit" })
        {
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Admin console" }).GetByRole(AriaRole.Link, new() { Name = link })).ToBeVisibleAsync();
        }

        // A user's turn, through the API, read to its end.
        var token = await platform.RegisterThroughApiAsync(TestAccount.New(), Token);
        using var api = platform.CreateGatewayClient(token);
        using var created = await api.PostAsJsonAsync("/v1/conversations", new { model = "sim-fast" }, Token);
        var conversationId = (await created.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("id").GetString();
        using var turn = await api.PostAsJsonAsync($"/v1/conversations/{conversationId}/turns", new { content = "Hello" }, Token);
        Assert.Contains("event: done", await turn.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

        // The page reads its figures again every few seconds: the new answer shows up in place.
        await Expect(answers).Not.ToHaveTextAsync(before.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 20_000 });
        var after = long.Parse(await answers.InnerTextAsync(), System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(after > before, $"answers went from {before} to {after}");
        await Expect(page.Locator("[data-metric='turns-per-minute']")).Not.ToHaveTextAsync("–");
        await Expect(page.Locator("[data-metric='ttft-p50']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]* ms$"));

        // A hidden tab stops reading (each read counts against the admin's request rate) and reads again when shown.
        await SetVisibilityAsync(page, "hidden");
        await Expect(page.Locator("main[data-paused='true']")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        await SetVisibilityAsync(page, "visible");
        await Expect(page.Locator("main[data-paused='false']")).ToBeAttachedAsync();
    }

    // Headless Chromium's tabs are always visible: the page's view of it is changed as a browser would report it.
    private static Task SetVisibilityAsync(IPage page, string state) => page.EvaluateAsync("""
        state => {
            Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
            document.dispatchEvent(new Event("visibilitychange"));
        }
        """, state);

    [Fact]
    public async Task An_admin_edits_a_deployments_weight_and_the_router_has_it()
    {
        const string model = "admin-weight-model";
        await platform.AddSimulatedModelAsync(model, new { timeToFirstTokenMs = 10 }, Token);
        var page = await AdminPageAsync();
        await page.GotoAsync("admin/providers");
        var row = page.Locator($"tr[data-deployment-id='{model}-1']");
        await Expect(row.Locator("[data-field='weight']")).ToHaveValueAsync("1");

        await row.Locator("[data-field='weight']").FillAsync("7");
        await row.Locator("[data-action='save']").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Saved {model}-1." })).ToBeVisibleAsync();
        await Expect(row.Locator("[data-field='weight']")).ToHaveValueAsync("7");
        using var admin = platform.CreateGatewayClient(await AdminTokenAsync());
        var stored = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/deployments/{model}-1", Token);
        Assert.Equal(7, stored.GetProperty("weight").GetInt32());
    }

    [Fact]
    public async Task A_model_disabled_by_an_admin_disappears_from_a_users_model_list()
    {
        const string model = "admin-toggle-model";
        await platform.AddSimulatedModelAsync(model, new { timeToFirstTokenMs = 10 }, Token);
        var user = await platform.NewPageAsync();
        await user.SignUpAsync(TestAccount.New());
        var picker = user.GetByLabel("Model", new() { Exact = true });
        await Expect(picker.Locator($"option[value='{model}']")).ToBeAttachedAsync();

        var page = await AdminPageAsync();
        await page.GotoAsync("admin/models");
        var row = page.Locator($"tr[data-model-id='{model}']");
        await row.Locator("[data-field='enabled']").UncheckAsync();
        await row.Locator("[data-action='save']").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Saved {model}." })).ToBeVisibleAsync();

        await user.ReloadAsync();
        await user.WaitForChatReadyAsync();
        await Expect(picker.Locator("option").First).ToBeAttachedAsync();
        await Expect(picker.Locator($"option[value='{model}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_switches_off_a_models_temperature_and_it_sticks_in_the_router_and_the_audit_log()
    {
        const string model = "admin-temperature-model";
        await platform.AddSimulatedModelAsync(model, new { timeToFirstTokenMs = 10 }, Token);
        var page = await AdminPageAsync();
        await page.GotoAsync("admin/models");
        var temperature = page.Locator($"tr[data-model-id='{model}'] [data-field='temperature']");
        await Expect(temperature).ToBeCheckedAsync();

        await temperature.UncheckAsync();
        await page.Locator($"tr[data-model-id='{model}'] [data-action='save']").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Saved {model}." })).ToBeVisibleAsync();

        await page.ReloadAsync();
        await page.Locator("main[data-ready='true']").WaitForAsync();
        await Expect(temperature).Not.ToBeCheckedAsync();
        using var admin = platform.CreateGatewayClient(await AdminTokenAsync());
        var listed = (await admin.GetFromJsonAsync<JsonElement>("/v1/models", Token)).GetProperty("data").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == model);
        Assert.False(listed.GetProperty("capabilities").GetProperty("temperature").GetBoolean());
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/v1/admin/audit", Token)).GetProperty("items").EnumerateArray()
            .First(e => e.GetProperty("entityId").GetString() == model);
        Assert.Equal(platform.Admin.Email, audit.GetProperty("userEmail").GetString());
        Assert.False(TemperatureIn(audit.GetProperty("after")));
        Assert.True(TemperatureIn(audit.GetProperty("before")));
    }

    /// <summary>The model's temperature capability in an audit entry's snapshot of it, wherever the router nests it.</summary>
    private static bool? TemperatureIn(JsonElement snapshot) => snapshot.ValueKind switch
    {
        JsonValueKind.Object => snapshot.EnumerateObject()
            .Select(p => p.NameEquals("temperature") && p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? p.Value.GetBoolean()
                : TemperatureIn(p.Value))
            .FirstOrDefault(found => found is not null),
        JsonValueKind.Array => snapshot.EnumerateArray().Select(TemperatureIn).FirstOrDefault(found => found is not null),
        _ => null,
    };

    [Fact]
    public async Task A_user_gets_no_admin_link_no_admin_page_and_403_from_the_gateway()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);
        await Expect(page.Locator(".sidebar-link[href='admin']")).ToHaveCountAsync(0);

        await page.GotoAsync("admin");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-metric]")).ToHaveCountAsync(0);
        using var api = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Token));
        foreach (var path in new[] { "/v1/admin/metrics", "/v1/admin/chat/stats", "/v1/admin/deployments" })
        {
            using var response = await api.GetAsync(path, Token);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }
}

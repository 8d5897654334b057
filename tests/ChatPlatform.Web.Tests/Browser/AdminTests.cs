using System.Net;
using System.Net.Http.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The admin console's Users and Audit log pages against the whole platform, in Chromium.</summary>
public sealed class AdminTests(BrowserPlatform platform)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_admin_finds_a_user_disables_enables_retiers_and_signs_them_out_and_the_audit_log_shows_it()
    {
        var target = TestAccount.New();
        await platform.RegisterThroughApiAsync(target, Cancellation);
        var page = await platform.NewPageAsync();
        await page.SignInAsync(platform.Admin);

        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Admin console" }).GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        await page.Locator("main[data-ready='true']").WaitForAsync();
        await page.GetByPlaceholder("Search by email").FillAsync(target.Email.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var row = page.Locator($"tr[data-email='{target.Email}']");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);

        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(row.Locator(".status-badge")).ToHaveTextAsync("Disabled");
        using (var gateway = platform.CreateGatewayClient())
        {
            var signIn = await gateway.PostAsJsonAsync("/v1/auth/signin", new { email = target.Email, password = target.Password }, Cancellation);
            Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        }
        await row.GetByLabel($"Tier of {target.Email}").SelectOptionAsync("pro");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Saved {target.Email}.");
        await row.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await Expect(row.Locator(".status-badge")).ToHaveTextAsync("Enabled");
        var token = await platform.SignInThroughApiAsync(target.Email, target.Password, Cancellation);
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke sessions" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Signed {target.Email} out of 1 session.");
        using (var signedOut = platform.CreateGatewayClient(token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await signedOut.GetAsync("/v1/me", Cancellation)).StatusCode);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit log" })).ToBeVisibleAsync();
        var targetId = (await platform.CreateGatewayClient(await platform.SignInThroughApiAsync(platform.Admin.Email, platform.Admin.Password, Cancellation))
            .GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/admin/users?q={Uri.EscapeDataString(target.Email)}", Cancellation))
            .GetProperty("items")[0].GetProperty("id").GetString()!;
        var entries = page.Locator("tbody tr").Filter(new() { HasText = targetId });
        await Expect(entries).ToHaveCountAsync(4);
        await Expect(entries.First).ToHaveAttributeAsync("data-action", "revoke-sessions");
        await Expect(entries.Nth(3)).ToContainTextAsync("\"disabled\":true");
        await Expect(entries.Nth(3)).ToContainTextAsync(platform.Admin.Email);
        await page.ScreenshotAsync("admin-audit");
    }

    [Fact]
    public async Task A_non_admin_sees_no_admin_link_and_the_gateway_refuses_the_console_pages()
    {
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);

        await page.GotoAsync("admin/users");
        await Expect(page.GetByText("Only admins can see accounts.")).ToBeVisibleAsync();
        await Expect(page.Locator("table")).ToHaveCountAsync(0);
        await page.GotoAsync("admin/audit");
        await Expect(page.GetByText("Only admins can see the audit log.")).ToBeVisibleAsync();
        await Expect(page.Locator("table")).ToHaveCountAsync(0);
    }
}

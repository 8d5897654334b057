using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// A quota end to end in Chromium (docs/usage.md "Quotas"): an admin's override through the gateway to billing, chat
/// refusing the turn before it writes, the notice where the answer would have been, and the Usage page's meter.
/// </summary>
public sealed class QuotaTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";
    private const string Question = "Will this fit in my quota?";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_over_quota_shows_the_notice_in_place_keeps_the_text_and_the_usage_page_shows_the_limit()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var account = TestAccount.New();
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(account);
        using var user = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Cancellation));
        var userId = (string)(await user.GetFromJsonAsync<JsonObject>("/v1/me", Cancellation))!["id"]!;
        using var admin = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(platform.Admin.Email, platform.Admin.Password, Cancellation));
        // Ten tokens a day: less than any turn's worst case (the model's maximum output alone is more).
        using var set = await admin.PutAsJsonAsync($"/v1/admin/users/{userId}/quotas",
            JsonNode.Parse("""{"overrides": {"daily": {"tokens": 10, "costUsd": null}, "monthly": {"tokens": null, "costUsd": null}}}"""), Cancellation);
        set.EnsureSuccessStatusCode();

        await page.ChooseModelAsync(FastModel);
        await page.SendAsync(Question);

        var notice = page.Locator("section.quota-notice");
        await Expect(notice).ToBeVisibleAsync();
        await Expect(notice).ToHaveAttributeAsync("data-quota", "daily-tokens");
        await Expect(notice.Locator(".quota-notice-detail")).ToContainTextAsync("10 tokens");
        await Expect(page.Composer()).ToHaveValueAsync(Question);
        await Expect(page.Answers()).ToHaveCountAsync(0);
        await page.ScreenshotAsync("quota-notice");

        await notice.GetByRole(AriaRole.Link, new() { Name = "See your usage and quotas" }).ClickAsync();
        await Expect(page.Locator("main.usage-page")).ToHaveAttributeAsync("data-ready", "true");
        var meter = page.Locator(".quota[data-quota='daily-tokens'] [role='meter']");
        await Expect(meter).ToHaveAttributeAsync("aria-valuemax", "10");
        await Expect(meter).ToHaveAttributeAsync("aria-valuenow", "0");
        await page.ScreenshotAsync("usage-quotas");
    }
}

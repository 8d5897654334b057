using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// axe-core (bundled in Deque.AxeCore.Playwright, never a CDN) on the main screens in light and dark: no serious or
/// critical violation. The failure message lists each one with the elements it names, so a regression says where.
/// </summary>
public sealed class AccessibilityTests(BrowserPlatform platform)
{
    private static readonly string[] Blocking = ["serious", "critical"];

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task The_main_screens_have_no_serious_or_critical_axe_violations(ColorScheme scheme)
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var violations = new List<string>();
        var page = await platform.NewPageAsync(colorScheme: scheme);

        await page.GotoAsync("signin");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        violations.AddRange(await BlockingViolationsAsync(page, "sign-in"));

        await page.SignUpAsync(TestAccount.New());
        violations.AddRange(await BlockingViolationsAsync(page, "chat (empty)"));

        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("Show me a table and some code in C#");
        await page.WaitForAnswerAsync();
        violations.AddRange(await BlockingViolationsAsync(page, "chat (a conversation)"));

        foreach (var (path, name) in new[]
        {
            ("settings", "settings"), ("settings/api-keys", "API keys"), ("settings/sessions", "sessions"),
            ("settings/two-factor", "two-factor"), ("usage", "usage"),
        })
        {
            await page.GotoAsync(path);
            await page.Locator("main[data-ready='true']").WaitForAsync();
            violations.AddRange(await BlockingViolationsAsync(page, name));
        }

        var admin = await platform.NewPageAsync(colorScheme: scheme);
        await admin.SignInAsync(platform.Admin);
        await admin.GotoAsync("admin");
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await admin.WaitForLoadStateAsync(LoadState.NetworkIdle);
        violations.AddRange(await BlockingViolationsAsync(admin, "admin overview"));

        Assert.True(violations.Count == 0, $"{scheme}:\n" + string.Join('\n', violations));
    }

    private static async Task<IEnumerable<string>> BlockingViolationsAsync(IPage page, string screen)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        return result.Violations
            .Where(v => Blocking.Contains(v.Impact))
            .Select(v => $"{screen}: {v.Id} ({v.Impact}) {v.Help}: {string.Join(" | ", v.Nodes.Take(5).Select(n => $"{n.Target} {n.Html}"))}");
    }
}

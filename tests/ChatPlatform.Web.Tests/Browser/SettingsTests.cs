using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The settings pages in Chromium: changing the password, the theme following the person, Enter-to-send.</summary>
public sealed class SettingsTests(BrowserPlatform platform)
{
    private static async Task OpenSettingsAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).First.ClickAsync();
        await Expect(page.Locator("main.settings-page")).ToHaveAttributeAsync("data-ready", "true");
    }

    [Fact]
    public async Task Changing_the_password_keeps_this_browser_and_signs_out_the_other()
    {
        var account = TestAccount.New();
        var here = await platform.NewPageAsync();
        await here.SignUpAsync(account);
        var elsewhere = await platform.NewPageAsync();
        await elsewhere.SignInAsync(account);
        const string newPassword = "Another-horse-77";

        await OpenSettingsAsync(here);
        await here.GetByLabel("Current password").FillAsync(account.Password);
        await here.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await here.GetByLabel("Repeat the new password").FillAsync(newPassword);
        await here.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();

        await Expect(here.Locator("form[data-form='password'] .form-status")).ToHaveTextAsync("Password changed. Your other sessions were signed out.");
        await here.ScreenshotAsync("settings-password-changed");
        // The other browser's session is over: its next page goes to sign-in.
        await elsewhere.ReloadAsync();
        await Expect(elsewhere).ToHaveURLAsync(new Regex("/signin"));
        // This one goes on.
        await here.GotoAsync("");
        await here.WaitForChatReadyAsync();
        await Expect(here.Locator(".user-email")).ToHaveTextAsync(account.Email);
        // Only the new password signs in now.
        var third = await platform.NewPageAsync();
        await third.GotoAsync("signin");
        await third.GetByLabel("Email").FillAsync(account.Email);
        await third.GetByLabel("Password").FillAsync(account.Password);
        await third.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(third.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Invalid email or password");
        await third.SignInAsync(account with { Password = newPassword });
    }

    [Fact]
    public async Task The_theme_chosen_in_settings_follows_the_person_to_another_browser()
    {
        var account = TestAccount.New();
        var page = await platform.NewPageAsync(colorScheme: ColorScheme.Light);
        await page.SignUpAsync(account);
        var background = (IPage p) => p.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        await OpenSettingsAsync(page);
        await page.GetByLabel("Dark").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();

        await Expect(page.Locator("form[data-form='preferences'] .form-status")).ToHaveTextAsync("Preferences saved.");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.Equal("rgb(33, 33, 33)", await background(page));
        await page.ScreenshotAsync("settings-dark");

        // Another browser (no local storage of its own) with a light system theme: the saved choice wins.
        var other = await platform.NewPageAsync(colorScheme: ColorScheme.Light);
        await other.SignInAsync(account);
        await Expect(other.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.Equal("rgb(33, 33, 33)", await background(other));

        // Back to the system's theme: the forced one goes, here and, on its next visit, there.
        await OpenSettingsAsync(other);
        await other.GetByLabel("Match the system").CheckAsync();
        await other.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
        await Expect(other.Locator("html")).Not.ToHaveAttributeAsync("data-theme", "dark");
        await page.GotoAsync("");
        await page.WaitForChatReadyAsync();
        await Expect(page.Locator("html")).Not.ToHaveAttributeAsync("data-theme", "dark");
        Assert.Equal("rgb(255, 255, 255)", await background(page));
    }

    [Fact]
    public async Task With_enter_to_send_off_enter_is_a_new_line_and_ctrl_enter_sends()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        await OpenSettingsAsync(page);
        await page.GetByLabel("Enter sends the message").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save preferences" }).ClickAsync();
        await Expect(page.Locator("form[data-form='preferences'] .form-status")).ToHaveTextAsync("Preferences saved.");

        await page.GotoAsync("");
        await page.WaitForChatReadyAsync();
        await page.ChooseModelAsync("sim-fast");
        await Expect(page.Composer()).ToHaveAttributeAsync("data-enter-sends", "false");
        await page.Composer().FillAsync("line one");
        await page.Composer().PressAsync("Enter");
        await page.Composer().PressSequentiallyAsync("line two");

        await Expect(page.Composer()).ToHaveValueAsync("line one\nline two");
        await Expect(page.UserMessages()).ToHaveCountAsync(0);
        await page.Composer().PressAsync("Control+Enter");
        await Expect(page.UserMessages()).ToHaveCountAsync(1);
        await Expect(page.UserMessages().First).ToContainTextAsync("line two");
    }
}

using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

public sealed class AccountTests(BrowserPlatform platform)
{
    [Fact]
    public async Task Signing_up_opens_the_chat_and_the_session_survives_a_reload()
    {
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();

        await page.SignUpAsync(account);
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();

        await Expect(page).ToHaveURLAsync(platform.WebUrl.ToString());
        await Expect(page.Locator(".user-email")).ToHaveTextAsync(account.Email);
        await Expect(page.Composer()).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "chat.session");
        Assert.True(session.HttpOnly);
        // No token in a cookie: a JWT is base64url JSON header and payload joined by a dot ("eyJ….eyJ…"). A bare "eyJ"
        // also turns up by chance in the session cookie's encrypted bytes, once in a few hundred sign-ups.
        Assert.DoesNotContain(cookies, c => System.Text.RegularExpressions.Regex.IsMatch(c.Value, @"eyJ[A-Za-z0-9_-]*\.eyJ"));
    }

    [Fact]
    public async Task The_chat_asks_for_sign_in_first_and_returns_after_it()
    {
        var account = TestAccount.New();
        var first = await platform.NewPageAsync();
        await first.SignUpAsync(account);
        var page = await platform.NewPageAsync();

        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForChatReadyAsync();

        await Expect(page.Locator(".user-email")).ToHaveTextAsync(account.Email);
    }

    [Fact]
    public async Task Wrong_input_gets_clear_messages_beside_the_fields()
    {
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();

        await page.GotoAsync("signup");
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(page.Locator("#password-error")).ToContainTextAsync("at least 10 characters");

        await page.GetByLabel("Email").FillAsync("not-an-email");
        await page.GetByLabel("Password").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(page.Locator("#email-error")).ToContainTextAsync("not a valid address");

        await page.GotoAsync("signin");
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync("Wrong-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Invalid email or password");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin$"));
        await page.GotoAsync("");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "chat.session");
    }

    [Theory]
    [InlineData("signin")]
    [InlineData("signup")]
    public async Task Every_id_a_field_refers_to_exists(string path)
    {
        var page = await platform.NewPageAsync();
        await page.GotoAsync(path);
        await Expect(page.GetByLabel("Password")).ToBeVisibleAsync();

        var missing = await page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')]
                .flatMap(e => ['aria-describedby', 'aria-labelledby'].flatMap(a => (e.getAttribute(a) ?? '').split(/\s+/).filter(Boolean)))
                .filter(id => !document.getElementById(id))
            """);

        Assert.Empty(missing);
    }
}

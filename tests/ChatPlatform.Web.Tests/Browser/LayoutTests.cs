using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

public sealed class LayoutTests(BrowserPlatform platform)
{
    [Fact]
    public async Task At_phone_width_the_sidebar_is_a_drawer_over_the_chat()
    {
        var page = await platform.NewPageAsync(width: 390, height: 844);
        await page.SignUpAsync(TestAccount.New());
        var sidebar = page.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" });

        await Expect(sidebar).ToBeHiddenAsync();
        var composer = await page.Locator("form.composer").BoundingBoxAsync();
        Assert.NotNull(composer);
        Assert.InRange(composer.X + composer.Width, 300, 390);
        await page.ScreenshotAsync("phone-light-chat");

        await page.GetByRole(AriaRole.Button, new() { Name = "Show conversations" }).ClickAsync();
        await Expect(sidebar).ToBeVisibleAsync();
        var drawer = await sidebar.BoundingBoxAsync();
        Assert.NotNull(drawer);
        Assert.True(drawer.Width <= 390 * 0.86, $"the drawer is {drawer.Width}px wide");
        await page.ScreenshotAsync("phone-light-drawer");

        await page.Locator(".drawer-backdrop").ClickAsync(new() { Position = new() { X = 370, Y = 400 } });
        await Expect(sidebar).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_theme_follows_the_system_and_the_toggle_choice_is_kept()
    {
        var page = await platform.NewPageAsync(colorScheme: ColorScheme.Dark);
        await page.SignUpAsync(TestAccount.New());
        var background = () => page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        Assert.Equal("rgb(33, 33, 33)", await background());
        await page.ScreenshotAsync("desktop-dark-empty-chat");

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
        Assert.Equal("rgb(255, 255, 255)", await background());
        // The choice is saved to the person's settings (the page says so once the gateway has it), which the chat
        // applies when it opens.
        await Expect(page.Locator("[data-theme-toggle]")).ToHaveAttributeAsync("data-saved-theme", "light");
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();

        Assert.Equal("rgb(255, 255, 255)", await background());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("desktop-light-empty-chat");
    }

    [Fact]
    public async Task On_the_desktop_the_sidebar_collapses_and_comes_back()
    {
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        var sidebar = page.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" });
        await Expect(sidebar).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Hide conversations" }).ClickAsync();
        await Expect(sidebar).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show conversations" }).ClickAsync();

        await Expect(sidebar).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_sign_in_page_in_light_and_dark()
    {
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var page = await platform.NewPageAsync(colorScheme: scheme);
            await page.GotoAsync("signin");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            // Every asset is the app's own: nothing is loaded from another origin (no CDN).
            var origins = await page.EvaluateAsync<string[]>("performance.getEntriesByType('resource').map(e => new URL(e.name).origin)");
            Assert.All(origins, origin => Assert.Equal(platform.WebUrl.GetLeftPart(UriPartial.Authority), origin));
            await page.ScreenshotAsync($"desktop-{scheme.ToString().ToLowerInvariant()}-signin");
        }
    }

    [Fact]
    public async Task Task_list_items_show_their_checkbox_and_no_bullet()
    {
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        // An answer's HTML as the renderer makes it, placed where answers go (the simulator cannot be asked for a list).
        var html = new ChatPlatform.Web.Services.MarkdownRenderer().ToHtml("- [ ] to do\n- [x] done\n\n- a plain item");
        await page.Locator(".messages-inner").EvaluateAsync("(e, html) => e.insertAdjacentHTML('beforeend', `<div class=\"markdown\">${html}</div>`)", html);

        var tasks = page.Locator(".markdown li.task-list-item");
        await Expect(tasks).ToHaveCountAsync(2);
        Assert.Equal(["none", "none"], await tasks.EvaluateAllAsync<string[]>("items => items.map(i => getComputedStyle(i).listStyleType)"));
        await Expect(tasks.Locator("input[type=checkbox]")).ToHaveCountAsync(2);
        Assert.Equal("disc", await page.Locator(".markdown li:not(.task-list-item)").EvaluateAsync<string>("i => getComputedStyle(i).listStyleType"));
    }

    [Fact]
    public async Task The_web_serves_its_favicon()
    {
        var page = await platform.NewPageAsync();
        await page.GotoAsync("signin");
        var linked = await page.Locator("link[rel=icon]:not([type])").GetAttributeAsync("href");
        var vector = await page.Locator("link[rel=icon][type='image/svg+xml']").GetAttributeAsync("href");
        using var client = new HttpClient { BaseAddress = platform.WebUrl };

        foreach (var path in new[] { "favicon.ico", linked! })
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/x-icon", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).AsSpan().StartsWith((byte[])[0, 0, 1, 0]), "an ICO file");
        }
        // The logo as SVG, which browsers prefer to the ICO.
        using var svg = await client.GetAsync(vector, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

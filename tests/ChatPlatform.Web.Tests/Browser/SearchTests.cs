using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>Searching my chats from the sidebar and with Ctrl+K (docs/conversations.md, Search), on the whole platform.</summary>
public sealed class SearchTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    [Fact]
    public async Task Ctrl_K_finds_a_message_on_another_branch_and_opens_it_with_that_branch_selected()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync(1280, 900, ColorScheme.Light);
        await page.SignUpAsync(TestAccount.New());
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Tell me about <b>penguins</b> in Antarctica");
        await page.WaitForAnswerAsync();
        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Edit message" }).ClickAsync();
        await page.GetByLabel("Edit your message").FillAsync("Tell me about walruses instead");
        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await page.WaitForAnswerAsync();
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["Tell me about walruses instead"]);
        var penguinId = await OpenSearchAndFindAsync(page, "penguins");

        var result = page.Locator(".search-result[data-role=user]").First;
        await Expect(result.Locator("mark")).ToHaveTextAsync(["penguins"]);
        // The content's "<b>" is text in the snippet, not markup.
        await Expect(result.Locator(".search-snippet")).ToContainTextAsync("penguins</b>");
        await Expect(result.Locator("b")).ToHaveCountAsync(0);
        await result.Locator("a").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Search chats" })).ToHaveCountAsync(0);
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["Tell me about <b>penguins</b> in Antarctica"]);
        await Expect(page.UserMessages().First).ToHaveAttributeAsync("data-message-id", penguinId);
        await Expect(page.UserMessages().First.SiblingPosition()).ToHaveTextAsync("1/2");
        await Expect(page.UserMessages().First).ToBeInViewportAsync();

        // The sidebar's box opens the same dialog; a word nowhere finds nothing.
        await page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = "Search chats" }).ClickAsync();
        var input = page.GetByRole(AriaRole.Dialog, new() { Name = "Search chats" }).GetByRole(AriaRole.Searchbox);
        await input.FillAsync("zeppelins");
        await input.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Status)).ToHaveTextAsync("No matches.");
        await input.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Search chats" })).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Ctrl+K, the query, Enter, until the result is there: the index is written off the request path, so the first
    /// search may come a moment before it. Answers the matching message's id.
    /// </summary>
    private static async Task<string> OpenSearchAndFindAsync(IPage page, string query)
    {
        await page.Keyboard.PressAsync("Control+k");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Search chats" });
        await Expect(dialog).ToBeVisibleAsync();
        var input = dialog.GetByRole(AriaRole.Searchbox);
        await Expect(input).ToBeFocusedAsync();
        await input.FillAsync(query);
        var link = dialog.Locator(".search-result[data-role=user] a");
        for (var attempt = 0; ; attempt++)
        {
            await input.PressAsync("Enter");
            try
            {
                await Expect(link.First).ToBeVisibleAsync(new() { Timeout = 2_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 5)
            {
            }
        }
        var href = await link.First.GetAttributeAsync("href") ?? "";
        Assert.Contains("?m=", href, StringComparison.Ordinal);
        return href[(href.IndexOf("?m=", StringComparison.Ordinal) + 3)..];
    }
}

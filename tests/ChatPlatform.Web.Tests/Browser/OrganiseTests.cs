using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A person organising the sidebar: folders, star, archive and restore, tags, and bulk actions (docs/conversations.md).</summary>
public sealed class OrganiseTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    [Fact]
    public async Task Conversations_are_filed_starred_tagged_archived_restored_and_bulk_archived_from_the_sidebar()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync(1280, 900, ColorScheme.Light);
        await page.SignUpAsync(TestAccount.New());
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("First chat");
        await page.WaitForAnswerAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        // Sent before the new chat is on screen, the message would go to the first chat (a CI run under load).
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" })).ToBeVisibleAsync();
        await page.SendAsync("Second chat");
        await page.WaitForAnswerAsync();
        var first = page.Locator(".conversation", new() { HasText = "First chat" });
        var second = page.Locator(".conversation", new() { HasText = "Second chat" });
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(2);

        // A folder, and the first chat moved into it from its menu.
        await page.GetByRole(AriaRole.Button, new() { Name = "New folder" }).ClickAsync();
        await page.GetByLabel("New folder name").FillAsync("Work");
        await page.GetByLabel("New folder name").PressAsync("Enter");
        var work = page.Locator(".folder-nav").GetByRole(AriaRole.Button, new() { Name = "Work", Exact = true });
        await Expect(work).ToBeVisibleAsync();
        await OpenMenuAsync(first);
        await first.GetByLabel("Move to folder").SelectOptionAsync(new SelectOptionValue { Label = "Work" });
        await work.ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(1);
        await Expect(first).ToBeVisibleAsync();

        // Starred: pinned in its own group at the top.
        await page.GetByRole(AriaRole.Button, new() { Name = "All chats" }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(2);
        await OpenMenuAsync(first);
        await first.GetByRole(AriaRole.Button, new() { Name = "Star", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation-group h2").First).ToHaveTextAsync("Starred");
        await Expect(page.Locator(".conversation-group").First.Locator(".conversation")).ToContainTextAsync(["First chat"]);

        // A tag, then the list filtered by it.
        await OpenMenuAsync(second);
        await second.GetByLabel("Add tag").FillAsync("  Ideas ");
        await second.GetByLabel("Add tag").PressAsync("Enter");
        var tagFilter = page.GetByRole(AriaRole.Group, new() { Name = "Filter by tag" }).GetByRole(AriaRole.Button, new() { Name = "#ideas" });
        await Expect(tagFilter).ToContainTextAsync("1");
        await tagFilter.ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(1);
        await Expect(second.Locator(".conversation-tags")).ToHaveTextAsync("#ideas");

        // Archived: gone from the list, in the Archived view, restored from there.
        await page.GetByRole(AriaRole.Button, new() { Name = "All chats" }).ClickAsync();
        await OpenMenuAsync(second);
        await second.GetByRole(AriaRole.Button, new() { Name = "Archive", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(1);
        await Expect(second).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Archived", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(1);
        await OpenMenuAsync(second);
        await second.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "All chats" }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(2);

        // Several at once: both selected and archived in one action.
        await first.GetByRole(AriaRole.Checkbox).CheckAsync();
        await second.GetByRole(AriaRole.Checkbox).CheckAsync();
        await Expect(page.Locator(".bulk-count")).ToHaveTextAsync("2 selected");
        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Selected conversations" }).GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Archived", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(2);

        // Deleting the folder keeps its chat, now in no folder.
        await page.Locator(".folder-nav .folder").HoverAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete folder Work" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete folder", Exact = true }).ClickAsync();
        await Expect(work).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Archived", Exact = true }).ClickAsync();
        await Expect(page.Locator(".conversation")).ToHaveCountAsync(2);
    }

    private static async Task OpenMenuAsync(ILocator conversation)
    {
        await conversation.HoverAsync();
        await conversation.GetByRole(AriaRole.Button, new() { Name = "More actions" }).ClickAsync();
    }
}

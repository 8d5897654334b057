using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The chat page's keyboard shortcuts (the <c>?</c> dialog lists them), pressed as a person presses them.</summary>
public sealed class KeyboardTests(BrowserPlatform platform)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(IPage Page, TestAccount Account)> SignedUpPageAsync()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);
        return (page, account);
    }

    private static ILocator Dialog(IPage page) => page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });

    [Fact]
    public async Task Question_mark_or_the_header_button_lists_the_shortcuts_and_escape_closes_them()
    {
        var (page, _) = await SignedUpPageAsync();
        // A new chat's composer has the focus, where ? is a character: it opens nothing there.
        await Expect(page.Composer()).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("?");
        await Expect(page.Composer()).ToHaveValueAsync("?");
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        await page.Composer().FillAsync("");

        await page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" }).ClickAsync();
        await page.Keyboard.PressAsync("?");
        await Expect(Dialog(page)).ToBeVisibleAsync();
        await Expect(Dialog(page).Locator(".shortcut")).ToHaveCountAsync(9);
        await Expect(Dialog(page).Locator(".shortcut").First).ToContainTextAsync("New chat");
        await page.Keyboard.PressAsync("Escape");
        await Expect(Dialog(page)).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Keyboard shortcuts" }).ClickAsync();
        await Expect(Dialog(page)).ToBeVisibleAsync();
        await Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(Dialog(page)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Ctrl_Shift_O_opens_a_new_chat_with_the_composer_focused_and_Shift_Escape_focuses_it_again()
    {
        var (page, _) = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("Hello");
        await page.WaitForAnswerAsync();
        await Expect(page).ToHaveURLAsync(ChatPages.ConversationUrl());

        await page.GetByLabel("Model", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Control+Shift+O");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" })).ToBeVisibleAsync();
        await Expect(page).Not.ToHaveURLAsync(ChatPages.ConversationUrl());
        await Expect(page.Composer()).ToBeFocusedAsync();

        await page.GetByLabel("Model", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Shift+Escape");
        await Expect(page.Composer()).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Escape_stops_the_answer_that_is_streaming()
    {
        var (page, _) = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-smart");
        await page.SendAsync("Tell me a long story");
        await Expect(page.Answers().First.Locator(".markdown")).ToContainTextAsync("[simulated]");

        await page.Keyboard.PressAsync("Escape");

        await page.WaitForAnswerAsync(status: "stopped");
        await Expect(page.Answers().First.Locator(".message-note")).ToHaveTextAsync("Stopped");
    }

    [Fact]
    public async Task Ctrl_Shift_C_copies_the_last_answer_as_its_Markdown()
    {
        var (page, account) = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("First question");
        await page.WaitForAnswerAsync(0);
        await page.SendAsync("Write a table of three fruits");
        await page.WaitForAnswerAsync(1);

        await page.Keyboard.PressAsync("Control+Shift+C");

        var stored = await LastAnswerContentAsync(page, account);
        // The copy is the page's, after a round trip to the server: the clipboard is read until it holds the answer.
        await page.WaitForFunctionAsync("async expected => (await navigator.clipboard.readText()) === expected", stored,
            new() { PollingInterval = 100 });
    }

    [Fact]
    public async Task Arrow_up_in_the_empty_composer_edits_my_last_message()
    {
        var (page, _) = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("First question");
        await page.WaitForAnswerAsync(0);
        await page.SendAsync("Second question");
        await page.WaitForAnswerAsync(1);

        await page.Composer().FocusAsync();
        await page.Keyboard.PressAsync("ArrowUp");

        var edit = page.GetByLabel("Edit your message");
        await Expect(edit).ToHaveCountAsync(1);
        await Expect(edit).ToHaveValueAsync("Second question");
        await Expect(edit).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Arrow_up_in_a_composer_with_text_moves_in_the_text()
    {
        var (page, _) = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("First question");
        await page.WaitForAnswerAsync(0);

        await page.Composer().FillAsync("draft");
        await page.Keyboard.PressAsync("ArrowUp");

        await Expect(page.GetByLabel("Edit your message")).ToHaveCountAsync(0);
        await Expect(page.Composer()).ToBeFocusedAsync();
    }

    /// <summary>The last answer's text as chat stored it (Markdown), read through the gateway's API.</summary>
    private async Task<string> LastAnswerContentAsync(IPage page, TestAccount account)
    {
        var conversationId = page.Url.Split("/c/")[1];
        using var api = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Token));
        var detail = await api.GetFromJsonAsync<JsonElement>($"/v1/conversations/{conversationId}", Token);
        return detail.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant")
            .GetProperty("content").GetString()!;
    }
}

using System.Net;
using System.Net.Http.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The composer: long messages, the limit, refusals, its height and its focus.</summary>
public sealed class ComposerTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    /// <summary>The chat service's limit (ConversationRules.MaxContentLength), in UTF-16 code units.</summary>
    private const int MaxContentLength = 100_000;

    private async Task<(IPage Page, TestAccount Account)> SignedUpPageAsync()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);
        await page.ChooseModelAsync(FastModel);
        return (page, account);
    }

    // One paragraph: Chromium inserts text with thousands of line breaks so slowly that filling it times out.
    private static string LongText(int length)
    {
        const string line = "A long message, sentence after sentence, to see that every character arrives. ";
        return string.Concat(Enumerable.Repeat(line, length / line.Length + 1))[..length];
    }

    [Fact]
    public async Task A_message_of_50000_characters_is_sent_and_arrives()
    {
        var (page, _) = await SignedUpPageAsync();
        var text = LongText(50_000);

        await page.Composer().FillAsync(text);
        await page.Composer().PressAsync("Enter");
        await page.WaitForAnswerAsync();

        Assert.Equal(50_000, await page.UserMessages().Locator(".bubble").EvaluateAsync<int>("e => e.textContent.length"));
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        Assert.Equal(text, await page.UserMessages().Locator(".bubble").EvaluateAsync<string>("e => e.textContent"));
    }

    [Fact]
    public async Task A_message_over_the_limit_is_refused_in_place_and_kept()
    {
        var (page, _) = await SignedUpPageAsync();
        var send = page.GetByRole(AriaRole.Button, new() { Name = "Send message" });

        await page.Composer().FillAsync(LongText(MaxContentLength + 1));
        var limit = page.Locator("#composer-limit");
        await Expect(limit).ToHaveTextAsync("This message is 100,001 characters long; the limit is 100,000. Shorten it to send it.");
        await Expect(send).ToBeDisabledAsync();
        await page.Composer().PressAsync("Enter");

        await Expect(page.Composer()).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(MaxContentLength + 1, await page.Composer().EvaluateAsync<int>("e => e.value.length"));
        await Expect(page.UserMessages()).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" })).ToBeVisibleAsync();

        // One character less, and it may go.
        await page.Composer().PressAsync("End");
        await page.Composer().PressAsync("Backspace");
        await Expect(limit).ToBeEmptyAsync();
        await Expect(send).ToBeEnabledAsync();

        // Pasted far beyond what the circuit takes (2 MB): nothing of it is sent, and the chat goes on.
        await page.Composer().EvaluateAsync("(e, n) => { e.value = 'x'.repeat(n); e.dispatchEvent(new Event('input', { bubbles: true })); }", 3_000_000);
        await Expect(limit).ToContainTextAsync("3,000,000 characters");
        await page.Composer().FillAsync("Now a short one");
        await page.Composer().PressAsync("Enter");
        await page.WaitForAnswerAsync();
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["Now a short one"]);
    }

    [Fact]
    public async Task A_refused_message_stays_in_the_composer()
    {
        var (page, account) = await SignedUpPageAsync();
        // Spend the account's turns for this minute (20 on the free tier) through the API; each counts before it is answered.
        var token = await platform.SignInThroughApiAsync(account.Email, account.Password, TestContext.Current.CancellationToken);
        using var api = platform.CreateGatewayClient(token);
        HttpStatusCode status;
        do
        {
            using var turn = await api.PostAsJsonAsync($"/v1/conversations/{Guid.NewGuid()}/turns", new { content = "spend" }, TestContext.Current.CancellationToken);
            status = turn.StatusCode;
        }
        while (status != HttpStatusCode.TooManyRequests);

        await page.SendAsync("Please keep this message");

        await Expect(page.Locator(".banner-error")).ToBeVisibleAsync();
        await Expect(page.Composer()).ToHaveValueAsync("Please keep this message");
        await Expect(page.UserMessages()).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_composer_shrinks_back_after_sending()
    {
        var (page, _) = await SignedUpPageAsync();
        var height = () => page.Composer().EvaluateAsync<double>("e => e.getBoundingClientRect().height");
        var empty = await height();

        await page.Composer().FillAsync("one\ntwo\nthree\nfour\nfive\nsix");
        var tall = await height();
        Assert.True(tall > empty + 40, $"the composer grew from {empty}px to {tall}px");
        await page.Composer().PressAsync("Enter");

        await Expect(page.Composer()).ToHaveValueAsync("");
        // Within a pixel: sized to its content again, its height rounds what the browser drew from rows="1".
        await page.WaitForFunctionAsync($"document.getElementById('composer-input').getBoundingClientRect().height <= {empty + 1}");
    }

    [Fact]
    public async Task The_composer_has_the_focus_in_an_empty_chat_and_after_new_chat()
    {
        var (page, _) = await SignedUpPageAsync();
        var heading = page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" });

        await Expect(page.Composer()).ToBeFocusedAsync();
        await Expect(heading).Not.ToBeFocusedAsync();
        await page.SendAsync("Hello");
        await page.WaitForAnswerAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();

        await Expect(heading).ToBeVisibleAsync();
        await Expect(page.Composer()).ToBeFocusedAsync();
        // A heading focused by other pages' navigation draws no focus box.
        await heading.EvaluateAsync("h => { h.tabIndex = -1; h.focus(); }");
        Assert.Equal("none", await heading.EvaluateAsync<string>("h => getComputedStyle(h).outlineStyle"));
    }
}

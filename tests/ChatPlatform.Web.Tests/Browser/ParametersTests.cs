using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A conversation's parameters, set in the panel by the model picker, kept, and applied to its turns.</summary>
public sealed class ParametersTests(BrowserPlatform platform)
{
    [Fact]
    public async Task Parameters_set_on_a_new_chat_are_kept_and_its_answers_stop_at_the_longest_answer_set()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        await page.ChooseModelAsync("sim-fast");

        await page.GetByRole(AriaRole.Button, new() { Name = "Parameters" }).ClickAsync();
        await page.GetByLabel("Temperature").FillAsync("0.3");
        await page.GetByLabel("Longest answer (tokens)").FillAsync("5");
        await page.Locator("#parameters").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#parameters")).ToHaveCountAsync(0);
        await page.SendAsync("Hello");
        var answer = await page.WaitForAnswerAsync();

        // Five tokens, then the limit: the router was sent max_tokens 5, and the answer offers to go on.
        await Expect(answer.GetByRole(AriaRole.Button, new() { Name = "Continue" })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(ChatPages.ConversationUrl());
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Parameters •" }).ClickAsync();
        await Expect(page.GetByLabel("Temperature")).ToHaveValueAsync("0.3");
        await Expect(page.GetByLabel("Longest answer (tokens)")).ToHaveValueAsync("5");
        await page.ScreenshotAsync("parameters-panel");
    }
}

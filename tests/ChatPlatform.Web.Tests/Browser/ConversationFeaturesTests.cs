using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>In a conversation: regenerate with another model, the thread saying a model was switched, starter prompts.</summary>
public sealed class ConversationFeaturesTests(BrowserPlatform platform)
{
    private async Task<IPage> SignedUpPageAsync()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        return page;
    }

    [Fact]
    public async Task Regenerating_with_another_model_writes_a_second_version_by_that_model()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("Hello");
        var first = await page.WaitForAnswerAsync();
        await Expect(first.Locator(".answer-meta")).ToContainTextAsync("sim-fast");

        await first.GetByLabel("Regenerate with another model").ClickAsync();
        await first.Locator("button.regenerate-with-model[data-model='sim-smart']").ClickAsync();

        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("2/2");
        var second = await page.WaitForAnswerAsync();
        await Expect(second.Locator(".answer-meta")).ToContainTextAsync("sim-smart");
        await Expect(page.GetByLabel("Model", new() { Exact = true })).ToHaveValueAsync("sim-smart");
        // The first version is still there, by its own model.
        await second.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("1/2");
        await Expect(page.Answers().First.Locator(".answer-meta")).ToContainTextAsync("sim-fast");
    }

    [Fact]
    public async Task Switching_model_mid_chat_says_so_in_the_thread_before_the_next_answer()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        await page.SendAsync("Hello");
        await page.WaitForAnswerAsync();
        await Expect(page.Locator("p.model-switch")).ToHaveCountAsync(0);

        await page.ChooseModelAsync("sim-smart");
        await Expect(page.Locator("p.model-switch")).ToHaveTextAsync("Switched to Sim Smart (simulated)");
        await page.SendAsync("And now?");
        await page.WaitForAnswerAsync(1);

        // One notice, now standing just before the answer the new model wrote, and still there after a reload.
        await Expect(page.Locator("p.model-switch")).ToHaveCountAsync(1);
        await Expect(page.Locator("p.model-switch + article.message.assistant .answer-meta")).ToContainTextAsync("sim-smart");
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.Locator("p.model-switch + article.message.assistant .answer-meta")).ToContainTextAsync("sim-smart");
    }

    [Fact]
    public async Task A_starter_prompt_fills_the_composer_and_enter_sends_it()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync("sim-fast");
        var prompt = page.Locator("button.starter-prompt").Nth(1);
        var text = await prompt.InnerTextAsync();

        await prompt.ClickAsync();
        await Expect(page.Composer()).ToHaveValueAsync(text);
        await Expect(page.Composer()).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.UserMessages()).ToHaveTextAsync([text]);
        await page.WaitForAnswerAsync();
    }
}

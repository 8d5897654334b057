using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>Which model a chat starts with, and what the page says about it.</summary>
public sealed class ModelPickerTests(BrowserPlatform platform)
{
    private async Task<IPage> SignedUpPageAsync()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(TestAccount.New());
        return page;
    }

    private static ILocator Picker(IPage page) => page.GetByLabel("Model", new() { Exact = true });

    [Fact]
    public async Task The_note_under_the_composer_mentions_simulated_models_only_for_one()
    {
        var page = await SignedUpPageAsync();
        var note = page.Locator(".composer-note");

        await page.ChooseModelAsync("sim-fast");
        await Expect(note).ToHaveTextAsync("Answers can be wrong. Simulated models answer offline.");
        await page.ChooseModelAsync(BrowserPlatform.ProviderModel);
        await Expect(note).ToHaveTextAsync("Answers can be wrong.");
    }

    [Fact]
    public async Task A_new_chat_starts_with_the_model_used_last()
    {
        var page = await SignedUpPageAsync();
        var first = await Picker(page).Locator("option").First.GetAttributeAsync("value");
        var other = first == BrowserPlatform.StreamModel ? "sim-fast" : BrowserPlatform.StreamModel;
        await page.ChooseModelAsync(other);
        await page.SendAsync("Hello");
        await page.WaitForAnswerAsync(status: "complete");

        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" })).ToBeVisibleAsync();
        await Expect(Picker(page)).ToHaveValueAsync(other);

        // After a reload too: the most recently active conversation's model.
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(Picker(page)).ToHaveValueAsync(other);
    }
}

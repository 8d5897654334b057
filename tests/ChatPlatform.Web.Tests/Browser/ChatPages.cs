using System.Text.RegularExpressions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A person's account for one test: a fresh email each time, a password the gateway accepts.</summary>
public sealed record TestAccount(string Email, string Password)
{
    public static TestAccount New() => new($"person-{Guid.NewGuid():N}@example.com", "Correct-horse-42");
}

/// <summary>What a person does on the pages, in the words of the page (labels and roles), shared by the browser tests.</summary>
public static partial class ChatPages
{
    public static async Task SignUpAsync(this IPage page, TestAccount account)
    {
        await page.GotoAsync("signup");
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await page.WaitForChatReadyAsync();
    }

    public static async Task SignInAsync(this IPage page, TestAccount account)
    {
        await page.GotoAsync("signin");
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(account.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForChatReadyAsync();
    }

    /// <summary>The chat page is interactive: its circuit is up and its browser module initialised.</summary>
    public static Task WaitForChatReadyAsync(this IPage page) =>
        page.Locator(".app[data-ready='true']").WaitForAsync();

    public static ILocator Composer(this IPage page) => page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });

    public static ILocator Answers(this IPage page) => page.Locator("article.message.assistant");

    public static ILocator UserMessages(this IPage page) => page.Locator("article.message.user");

    public static async Task ChooseModelAsync(this IPage page, string modelId) =>
        await page.GetByLabel("Model", new() { Exact = true }).SelectOptionAsync(modelId);

    /// <summary>Types a message and presses Enter, as a person does.</summary>
    public static async Task SendAsync(this IPage page, string text)
    {
        await page.Composer().FillAsync(text);
        await page.Composer().PressAsync("Enter");
    }

    /// <summary>Waits for the <paramref name="index"/>th answer to reach a final status and returns it.</summary>
    public static async Task<ILocator> WaitForAnswerAsync(this IPage page, int index = 0, string status = "complete")
    {
        var answer = page.Answers().Nth(index);
        await Microsoft.Playwright.Assertions.Expect(answer).ToHaveAttributeAsync("data-status", status, new() { Timeout = 30_000 });
        return answer;
    }

    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(BrowserPlatform.ArtifactsDirectory, name + ".png");
        await page.ScreenshotAsync(new() { Path = path });
        return path;
    }

    public static ILocator SiblingPosition(this ILocator message) => message.Locator(".sibling-position");

    [GeneratedRegex(@"/c/[0-9a-f-]{36}$")]
    public static partial Regex ConversationUrl();
}

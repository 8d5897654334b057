using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// A long conversation opens at its last 50 messages; "Show 50 earlier messages" draws more above them, and the message
/// the person was reading stays where it was on the screen.
/// </summary>
public sealed class ShowEarlierTests(BrowserPlatform platform)
{
    private const int Messages = 120;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The first message at least partly in the list's viewport: its id, and its top from the viewport's top.</summary>
    private const string FirstVisible = """
        () => {
            const root = document.getElementById('messages');
            const top = root.getBoundingClientRect().top;
            const first = [...root.querySelectorAll('article.message')].find(m => m.getBoundingClientRect().bottom > top);
            return { id: first.dataset.messageId, offset: first.getBoundingClientRect().top - top };
        }
        """;

    private const string OffsetOf = """
        id => document.querySelector(`article[data-message-id="${id}"]`).getBoundingClientRect().top
            - document.getElementById('messages').getBoundingClientRect().top
        """;

    [Fact]
    public async Task Showing_earlier_messages_keeps_the_first_visible_message_where_it_was()
    {
        var account = TestAccount.New();
        var page = await platform.NewPageAsync();
        await page.SignUpAsync(account);
        var id = await ImportLongConversationAsync(account);
        await page.GotoAsync($"c/{id}");
        await page.WaitForChatReadyAsync();
        await Expect(page.Locator("article.message")).ToHaveCountAsync(50);

        // The reader scrolls up to the top of what is drawn, as they would to reach the button.
        await page.Locator("#messages").HoverAsync();
        await page.Mouse.WheelAsync(0, -200_000);
        await page.WaitForFunctionAsync("() => document.getElementById('messages').scrollTop === 0");
        var visible = await page.EvaluateAsync<JsonElement>(FirstVisible);
        var (firstId, offset) = (visible.GetProperty("id").GetString()!, visible.GetProperty("offset").GetDouble());
        Assert.StartsWith($"{Messages - 50}. ", await page.Locator($"article[data-message-id='{firstId}']").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Show 50 earlier messages" }).ClickAsync();
        await Expect(page.Locator("article.message")).ToHaveCountAsync(100);

        var moved = await page.EvaluateAsync<double>(OffsetOf, firstId) - offset;
        Assert.True(Math.Abs(moved) <= 3, $"The first visible message moved {moved:0.#} px.");
        // The new messages are above it: the one just before it starts above the viewport, where the reader scrolls next.
        var previous = page.Locator("article.message").Nth(49);
        await Expect(previous).ToContainTextAsync($"{Messages - 51}. ");
        Assert.True(await previous.EvaluateAsync<double>("m => m.getBoundingClientRect().top - document.getElementById('messages').getBoundingClientRect().top") < 0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show 20 earlier messages" })).ToBeAttachedAsync();
    }

    /// <summary>
    /// A conversation of <see cref="Messages"/> messages, questions and answers of a few lines each (so that 50 are taller
    /// than the screen), imported through the gateway as the person's; its id.
    /// </summary>
    private async Task<string> ImportLongConversationAsync(TestAccount account)
    {
        var messages = new JsonArray();
        string? parent = null;
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < Messages; i++)
        {
            var id = Guid.NewGuid().ToString();
            var content = i % 2 == 0
                ? $"{i}. Question number {i}: how does this part work?"
                : $"{i}. Answer number {i}.\n\nIt works in three steps:\n\n- first, one thing\n- then another\n- and a last one.";
            messages.Add(new JsonObject
            {
                ["id"] = id,
                ["parentId"] = parent,
                ["role"] = i % 2 == 0 ? "user" : "assistant",
                ["content"] = content,
                ["status"] = "complete",
                ["createdAt"] = at.AddSeconds(i),
            });
            parent = id;
        }
        var conversation = new JsonObject
        {
            ["format"] = "chatplatform.conversation",
            ["version"] = 1,
            ["title"] = $"{Messages} messages",
            ["model"] = "sim-fast",
            ["currentLeafId"] = parent,
            ["messages"] = messages,
        };
        using var api = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Token));
        using var response = await api.PostAsJsonAsync("/v1/conversations/import?model=sim-fast", conversation, Token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("conversations")[0].GetProperty("id").GetString()!;
    }
}

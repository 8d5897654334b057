using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A shared conversation's public page (docs/conversations.md, Sharing) and the share dialog, in Chromium.</summary>
public sealed class SharingTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";
    private const string SystemPrompt = "SYSTEM-PROMPT-SECRET";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_public_page_shows_the_shared_branch_only_runs_no_script_and_continuing_asks_for_sign_in_first()
    {
        var owner = TestAccount.New();
        var token = await platform.RegisterThroughApiAsync(owner, Token);
        using var api = platform.CreateGatewayClient(token);
        var conversation = await PostAsync(api, "/v1/conversations", new { model = FastModel, title = "Shared title", systemPrompt = SystemPrompt });
        var question = await PostAsync(api, $"/v1/conversations/{conversation}/messages", new { content = "QUESTION <script>window.injected = 1</script>" });
        var answer = await InsertAnswerAsync(Guid.Parse(conversation), Guid.Parse(question), """
            The **bold** answer.

            <script>window.injected = 2</script><img src="x" onerror="window.injected = 3">
            [a link](javascript:window.injected=4) ![image](https://example.com/x.png)
            """);
        await PostAsync(api, $"/v1/conversations/{conversation}/messages", new { content = "LATER-SECRET", parentId = answer });
        await PostAsync(api, $"/v1/conversations/{conversation}/messages", new { content = "OTHER-BRANCH-SECRET", parentId = (Guid?)null });
        using var shared = await api.PostAsJsonAsync($"/v1/conversations/{conversation}/share", new { messageId = answer }, Token);
        var shareId = (await shared.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("shareId").GetString()!;

        var page = await platform.NewPageAsync();
        var response = await page.GotoAsync($"s/{shareId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Shared title" })).ToBeVisibleAsync();
        var html = await page.ContentAsync();
        var served = await response!.TextAsync();

        Assert.Equal(200, response.Status);
        await Expect(page.Locator("article.message")).ToHaveCountAsync(2);
        await Expect(page.Locator("article.message.user .bubble")).ToHaveTextAsync("QUESTION <script>window.injected = 1</script>");
        await Expect(page.Locator("article.message.assistant strong")).ToHaveTextAsync("bold");
        foreach (var secret in new[] { SystemPrompt, "LATER-SECRET", "OTHER-BRANCH-SECRET", owner.Email, conversation, "javascript:" })
        {
            Assert.DoesNotContain(secret, html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, served, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Null(await page.EvaluateAsync<int?>("window.injected ?? null"));
        await Expect(page.Locator("#messages script")).ToHaveCountAsync(0);
        await Expect(page.Locator("#messages img")).ToHaveCountAsync(0);
        await Expect(page.Locator("meta[name='robots']")).ToHaveAttributeAsync("content", "noindex");

        // Continuing needs an account: sign in, come back to the page, and the copy is the viewer's own.
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue this conversation" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?returnUrl="));
        var viewer = TestAccount.New();
        await platform.RegisterThroughApiAsync(viewer, Token);
        await page.GetByLabel("Email").FillAsync(viewer.Email);
        await page.GetByLabel("Password").FillAsync(viewer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/s/{shareId}$"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue this conversation" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(ChatPages.ConversationUrl());
        await page.WaitForChatReadyAsync();
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["QUESTION <script>window.injected = 1</script>"]);
        await Expect(page.Answers()).ToHaveCountAsync(1);
        Assert.Null(await page.EvaluateAsync<int?>("window.injected ?? null"));
    }

    [Fact]
    public async Task A_link_made_in_the_share_dialog_opens_signed_out_and_stops_working_once_revoked()
    {
        var page = await platform.NewPageAsync(1280, 900);
        await page.SignUpAsync(TestAccount.New());
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Shared from the dialog");
        await page.WaitForAnswerAsync();
        var conversation = page.Locator(".conversation", new() { HasText = "Shared from the dialog" });
        await conversation.HoverAsync();
        await conversation.GetByRole(AriaRole.Button, new() { Name = "More actions" }).ClickAsync();
        await conversation.GetByRole(AriaRole.Button, new() { Name = "Share…" }).ClickAsync();
        await page.GetByLabel("Who can see it").SelectOptionAsync("public");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        var link = await page.GetByLabel("Share link").InputValueAsync();

        var stranger = await platform.NewPageAsync();
        await stranger.GotoAsync(link);
        await Expect(stranger.Locator("article.message.user .bubble")).ToHaveTextAsync("Shared from the dialog");
        await Expect(stranger.Locator("article.message.assistant")).ToHaveCountAsync(1);

        await page.GotoAsync("shares");
        await Expect(page.Locator("tr[data-share-id]")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Revoke") }).ClickAsync();
        await Expect(page.Locator("tr[data-share-id]")).ToHaveCountAsync(0);
        var revoked = await stranger.ReloadAsync();
        Assert.Equal(404, revoked!.Status);
        await Expect(stranger.Locator("meta[name='robots']")).ToHaveAttributeAsync("content", "noindex");
        await Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "This link does not lead to a conversation" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_unknown_revoked_or_expired_link_answers_the_same_404_page_and_the_api_one_404()
    {
        var token = await platform.RegisterThroughApiAsync(TestAccount.New(), Token);
        using var api = platform.CreateGatewayClient(token);
        var conversation = await PostAsync(api, "/v1/conversations", new { model = FastModel, title = "Soon gone" });
        var question = await PostAsync(api, $"/v1/conversations/{conversation}/messages", new { content = "DEAD-LINK-QUESTION" });
        var revoked = await ShareAsync(api, conversation, question);
        var expired = await ShareAsync(api, conversation, question);
        Assert.True((await api.DeleteAsync($"/v1/shares/{revoked}", Token)).IsSuccessStatusCode);
        await ExpireAsync(expired);
        var unknown = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var anonymous = platform.CreateGatewayClient(null);

        var page = await platform.NewPageAsync();
        var texts = new List<string>();
        foreach (var id in new[] { unknown, revoked, expired })
        {
            var response = await page.GotoAsync($"s/{id}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not lead to a conversation" })).ToBeVisibleAsync();
            await Expect(page.Locator("meta[name='robots']")).ToHaveAttributeAsync("content", "noindex");
            Assert.Equal(404, response!.Status);
            Assert.Contains("no-store", await response.HeaderValueAsync("cache-control"), StringComparison.Ordinal);
            texts.Add(await page.Locator("main").InnerTextAsync());
            Assert.DoesNotContain("DEAD-LINK-QUESTION", await response.TextAsync(), StringComparison.Ordinal);
            using var read = await anonymous.GetAsync($"/v1/shared/{id}", Token);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, read.StatusCode);
            Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        }
        Assert.Single(texts.Distinct());

        // Any other unknown page is a 404 too, in the app's words.
        var other = await page.GotoAsync("no-such-page");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        Assert.Equal(404, other!.Status);
    }

    [Fact]
    public async Task Formulas_and_diagrams_are_typeset_on_the_public_page_and_hostile_ones_run_nothing()
    {
        var token = await platform.RegisterThroughApiAsync(TestAccount.New(), Token);
        using var api = platform.CreateGatewayClient(token);
        var conversation = await PostAsync(api, "/v1/conversations", new { model = FastModel, title = "Shared maths" });
        var question = await PostAsync(api, $"/v1/conversations/{conversation}/messages", new { content = "Maths please" });
        var answer = await InsertAnswerAsync(Guid.Parse(conversation), Guid.Parse(question), """
            Roots: $x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}$. Hostile: $\href{javascript:window.__pwned='href'}{click me}$.

            ```mermaid
            flowchart TD
                A["<img src=x onerror=window.__pwned='img'>"] --> B[Model router]
                click A href "javascript:window.__pwned='click'"
            ```
            """);
        var shareId = await ShareAsync(api, conversation, answer);

        var page = await platform.NewPageAsync();
        await page.GotoAsync($"s/{shareId}");
        var shown = page.Locator("article.message.assistant");

        await Expect(shown.Locator(".math .katex").First).ToBeVisibleAsync();
        await Expect(shown.Locator(".math .katex")).ToHaveCountAsync(2);
        await Expect(shown.Locator(".mermaid-diagram svg")).ToBeVisibleAsync();
        await Expect(shown.Locator(".mermaid-diagram svg")).ToContainTextAsync("Model router");
        foreach (var node in await shown.Locator(".mermaid-diagram .node").AllAsync())
        {
            await node.ClickAsync(new() { Force = true });
        }
        await shown.Locator(".math", new() { HasText = "click me" }).ClickAsync(new() { Force = true });
        Assert.Null(await page.EvaluateAsync<string?>("window.__pwned ?? null"));
        Assert.Equal(0, await shown.Locator("script, iframe, .math a").CountAsync());
        Assert.Equal(0, await shown.EvaluateAsync<int>("""
            answer => [...answer.querySelectorAll('*')].filter(element => [...element.attributes].some(attribute =>
                attribute.name.toLowerCase().startsWith('on') || /^\s*javascript:/i.test(attribute.value))).length
            """));
    }

    private static async Task<string> ShareAsync(HttpClient api, string conversation, string messageId)
    {
        using var shared = await api.PostAsJsonAsync($"/v1/conversations/{conversation}/share", new { messageId }, Token);
        Assert.True(shared.IsSuccessStatusCode, $"share: {(int)shared.StatusCode}");
        return (await shared.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("shareId").GetString()!;
    }

    // Expiry is checked when read; setting it in the past is what time passing would do.
    private async Task ExpireAsync(string shareId)
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("chatdb"));
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("UPDATE chat.shares SET expires_at = now() - interval '1 minute' WHERE id = $1", connection);
        command.Parameters.Add(new() { Value = shareId });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Token));
    }

    private static async Task<string> PostAsync(HttpClient api, string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body, Token);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("id").GetString()!;
    }

    // An answer with exactly this text, as a finished turn leaves it: no model writes hostile Markdown on demand.
    private async Task<string> InsertAnswerAsync(Guid conversation, Guid question, string content)
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("chatdb"));
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("""
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index)
            SELECT user_id, conversation_id, $3, id, 'assistant', $4, 'complete', model, now(), 0
            FROM chat.messages WHERE conversation_id = $1 AND id = $2
            """, connection);
        var id = Guid.CreateVersion7();
        command.Parameters.Add(new() { Value = conversation });
        command.Parameters.Add(new() { Value = question });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = content });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Token));
        return id.ToString();
    }
}

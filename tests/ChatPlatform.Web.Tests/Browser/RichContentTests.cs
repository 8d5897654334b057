using System.Text;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>Formulas typeset with KaTeX and mermaid diagrams drawn as SVG, from the app's own bundles; hostile ones run nothing.</summary>
public sealed class RichContentTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    [Fact]
    public async Task The_simulators_math_is_typeset_and_its_flowchart_drawn()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync(1280, 900, ColorScheme.Light);
        var external = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(platform.WebUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                external.Add(request.Url);
            }
        };
        await page.SignUpAsync(TestAccount.New());
        await page.ChooseModelAsync(FastModel);

        await page.SendAsync("What is the quadratic formula?");
        var math = await page.WaitForAnswerAsync();

        await Expect(math.Locator(".math[data-math='inline'] .katex").First).ToBeVisibleAsync();
        await Expect(math.Locator(".math-display .katex-display")).ToBeVisibleAsync();
        await Expect(math.Locator(".math-display .katex-mathml annotation")).ToHaveTextAsync(@"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}");
        await Expect(math.Locator(".math-error")).ToHaveCountAsync(0);

        await page.SendAsync("Draw a flowchart of a chat turn");
        var diagram = await page.WaitForAnswerAsync(1);

        await Expect(diagram.Locator(".code-block[data-mermaid] .mermaid-diagram svg")).ToBeVisibleAsync();
        await Expect(diagram.Locator(".mermaid-diagram svg")).ToContainTextAsync("Model router");
        await Expect(diagram.Locator(".code-block[data-mermaid] pre")).ToBeHiddenAsync();
        Assert.Empty(external);
    }

    [Fact]
    public async Task A_hostile_formula_or_diagram_runs_no_script_and_makes_no_link()
    {
        var page = await platform.NewPageAsync(1280, 900, ColorScheme.Light);
        await page.SignUpAsync(TestAccount.New());
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            dialogs++;
            await dialog.DismissAsync();
        };
        // A function a diagram's "call" directive would run (defined inside a function: Playwright calls a function the
        // expression evaluates to).
        await page.EvaluateAsync("() => { window.pwn = () => { window.__pwned = 'call from ' + new Error().stack; }; }");
        const string answer = """
            Fine: $x^2$. Hostile: $\href{javascript:window.__pwned='href'}{click me}$ and $\url{javascript:alert(1)}$ and
            $\includegraphics{https://example.com/x.png}$ and $\htmlClass{x}{y}$ and broken $\frac{1}{$ there.

            ```mermaid
            flowchart TD
                A["<img src=x onerror=window.__pwned='img'>"] --> B[Next]
                B --> C["<a href='javascript:window.__pwned=1'>link</a>"]
                click A href "javascript:window.__pwned='click'"
                click B call pwn()
            ```
            """;

        await ImportAsync(page, "Hostile", answer);
        var shown = page.Answers().First;

        await Expect(shown.Locator(".mermaid-diagram svg")).ToBeVisibleAsync();
        await Expect(shown.Locator(".math .katex")).ToHaveCountAsync(5);
        await Expect(shown.Locator(".math-error")).ToHaveTextAsync(@"$\frac{1}{$");
        foreach (var node in await shown.Locator(".mermaid-diagram .node").AllAsync())
        {
            await node.ClickAsync(new() { Force = true });
        }
        await shown.Locator(".math", new() { HasText = "click me" }).ClickAsync();

        var pwned = await page.EvaluateAsync<string?>("window.__pwned ?? null");
        Assert.True(pwned is null, pwned);
        Assert.Equal(0, dialogs);
        // No attribute anywhere in the answer that a browser would run: an event handler or a javascript: URL.
        Assert.Equal(0, await shown.EvaluateAsync<int>("""
            answer => [...answer.querySelectorAll('*')].filter(element => [...element.attributes].some(attribute =>
                attribute.name.toLowerCase().startsWith('on') || /^\s*javascript:/i.test(attribute.value))).length
            """));
        Assert.Equal(0, await shown.Locator("script, iframe, .math a").CountAsync());
    }

    /// <summary>Brings in a one-answer conversation through the ChatGPT import, so the answer is the server's rendering of it.</summary>
    private static async Task ImportAsync(IPage page, string title, string answer)
    {
        static object Node(string id, string? parent, string[] children, string role, string text) => new
        {
            id, parent, children,
            message = new
            {
                id, author = new { role, name = (string?)null, metadata = new { } }, create_time = 1717000010.0,
                content = new { content_type = "text", parts = new[] { text } }, status = "finished_successfully", weight = 1.0,
                metadata = new { model_slug = "gpt-4o" }, recipient = "all",
            },
        };
        var file = new[]
        {
            new
            {
                title, create_time = 1717000000.5, update_time = 1717000300.1, current_node = "a", default_model_slug = "gpt-4o",
                is_archived = false, conversation_id = "c1", id = "c1",
                mapping = new Dictionary<string, object>
                {
                    ["root"] = new { id = "root", message = (object?)null, parent = (string?)null, children = new[] { "q" } },
                    ["q"] = Node("q", "root", ["a"], "user", "Show me"),
                    ["a"] = Node("a", "q", [], "assistant", answer),
                },
            },
        };
        await page.GetByRole(AriaRole.Link, new() { Name = "Export and import" }).ClickAsync();
        await Expect(page.Locator("main.data-page")).ToHaveAttributeAsync("data-ready", "true");
        await page.GetByLabel("Import file").SetInputFilesAsync(new FilePayload
        {
            Name = "conversations.json",
            MimeType = "application/json",
            Buffer = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(file)),
        });
        var result = page.Locator(".import-result");
        await Expect(result).ToContainTextAsync("Imported 1 conversation");
        await result.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Expect(page.Answers()).ToHaveCountAsync(1);
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// What a person spent, end to end: an answer's model and cost on the answer, then the same answer in billing's ledger
/// (chat's usage event, through the event log) on the Usage page, with its Chart.js chart.
/// </summary>
public sealed partial class UsageTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_answer_shows_its_model_and_cost_and_the_usage_page_charts_the_same_cost()
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);
        await page.ChooseModelAsync(FastModel);

        await page.SendAsync("How much does this cost?");
        var answer = await page.WaitForAnswerAsync();
        var meta = answer.Locator(".answer-meta");
        // Always on show, without a hover: each answer says which model wrote it.
        await Expect(meta).ToHaveCSSAsync("opacity", "1");
        await Expect(meta).ToHaveTextAsync(AnswerMeta());
        // Read back from the conversation, not only from the stream's last event.
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.Answers().First.Locator(".answer-meta")).ToHaveTextAsync(await meta.TextContentAsync() ?? "");

        // The ledger has it once billing's consumer has read the event: the API first, then the page.
        using var gateway = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Cancellation));
        var conversationId = page.Url[(page.Url.LastIndexOf("/c/", StringComparison.Ordinal) + 3)..];
        var conversation = await gateway.GetFromJsonAsync<JsonObject>($"/v1/conversations/{conversationId}", Cancellation);
        var cost = (decimal)conversation!["messages"]!.AsArray()[^1]!["costUsd"]!;
        var usage = await WaitForLedgerAsync(gateway);
        Assert.Equal((1L, cost), ((long)usage["total"]!["answers"]!, (decimal)usage["total"]!["costUsd"]!));

        await page.GotoAsync(new Uri(platform.WebUrl, "usage").ToString());
        await Expect(page.Locator("main.usage-page")).ToHaveAttributeAsync("data-ready", "true");
        var row = page.Locator($"tr[data-model='{FastModel}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync(cost < 0.01m ? "< $0.01" : $"${cost:0.00}");
        await Expect(page.Locator("[data-total='answers']")).ToHaveTextAsync("1");
        // Chart.js drew thirty days of bars into the canvas.
        var canvas = page.Locator(".usage-chart canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-chart-points", "30");
        Assert.True(await canvas.EvaluateAsync<bool>("""
            c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }
            """), "the chart's canvas is blank");

        await page.SelectOptionAsync("select[aria-label='Period']", "7");
        await Expect(canvas).ToHaveAttributeAsync("data-chart-points", "7");
        await page.ScreenshotAsync("usage-page");
    }

    private static async Task<JsonObject> WaitForLedgerAsync(HttpClient gateway)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var usage = await gateway.GetFromJsonAsync<JsonObject>("/v1/usage?groupBy=model", deadline.Token);
            if ((long)usage!["total"]!["answers"]! > 0)
            {
                return usage;
            }
            await Task.Delay(100, deadline.Token);
        }
    }

    [GeneratedRegex(@"^sim-fast · (≈ )?\$0\.\d{2,6}$")]
    private static partial Regex AnswerMeta();
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using Microsoft.Playwright;

namespace ChatPlatform.Bench;

/// <summary>
/// (2) Time to first token on the page: Enter's keydown to the new answer's first text painted (the frame after it
/// appears), timed in the page. Beside it, in each round:
/// <list type="bullet">
/// <item>an API client reading the same turn at the same moment: it follows the page's answer through the gateway
///   (<c>GET .../messages/{id}/events</c>) from the moment the page shows the answer's id, and its time is Enter's
///   keydown to the first delta it reads (wall clocks of one machine). The gap is what the web app's hop adds to
///   the first token's way out (its read of the gateway's stream, the render, the circuit, the browser's frame);
///   a round whose reader subscribed only after the page already showed text is left out.</item>
/// <item>an API client sending its own turn in another conversation (POST .../turns to its first delta), the two
///   taking turns going first; this gap also holds the way in (the circuit's round trip for Enter, the web's call to
///   the gateway) and the difference between two turns.</item>
/// </list>
/// A second's pause comes before each turn (a person reading the last answer), so that one turn's aftermath (its end's
/// commit, search indexing and embedding, the ledger) does not fall on the next.
/// </summary>
public static partial class WebBenchmark
{
    private static readonly TimeSpan ThinkTime = TimeSpan.FromSeconds(1);

    /// <summary>Times are wall-clock milliseconds since the Unix epoch: the page's and the bench's clocks are the machine's.</summary>
    private sealed record PageTurn(double EnterAt, double FirstTextAt, double PaintedAt, Reader? Reader)
    {
        public double PageMs => PaintedAt - EnterAt;
    }

    private sealed record Reader(double SubscribedAt, double FirstDeltaAt);

    private static async Task TimeToFirstTokenAsync(HttpClient api, IPage page, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"(2) time to first token for \"{Prompt}\" on {Model} ({TimeToFirstTokenMs} ms in the simulator), {rounds} rounds");
        var apiConversation = await CreateConversationAsync(api);
        await page.GotoAsync("");
        await page.Locator(".app[data-ready='true']").WaitForAsync();
        await page.GetByLabel("Model", new() { Exact = true }).SelectOptionAsync(Model);
        // The page's conversation is created by a first turn, not timed, like the API client's.
        await PageTurnAsync(page, api, null);
        var pageConversation = page.Url.Split('/')[^1];
        var (pageTimes, readerTimes, ownTimes, late) = (new List<double>(), new List<double>(), new List<double>(), 0);
        for (var round = 0; round < rounds + 1; round++)
        {
            PageTurn turn;
            double own;
            if (round % 2 == 0)
            {
                await Task.Delay(ThinkTime);
                own = await ApiTurnAsync(api, apiConversation);
                await Task.Delay(ThinkTime);
                turn = await PageTurnAsync(page, api, pageConversation);
            }
            else
            {
                await Task.Delay(ThinkTime);
                turn = await PageTurnAsync(page, api, pageConversation);
                await Task.Delay(ThinkTime);
                own = await ApiTurnAsync(api, apiConversation);
            }
            // The first round warms the circuit, the connections and the caches; it is not counted.
            if (round == 0)
            {
                continue;
            }
            pageTimes.Add(turn.PageMs);
            ownTimes.Add(own);
            if (turn.Reader is { } reader && reader.SubscribedAt < turn.FirstTextAt)
            {
                readerTimes.Add(reader.FirstDeltaAt - turn.EnterAt);
            }
            else
            {
                late++;
                readerTimes.Add(double.NaN);
            }
        }
        var sameTurn = pageTimes.Zip(readerTimes, (p, r) => p - r).Where(d => !double.IsNaN(d)).ToList();
        var ownTurn = pageTimes.Zip(ownTimes, (p, o) => p - o).ToList();
        Console.WriteLine($"{"",-52} {"p50 ms",8} {"p95 ms",8} {"min",8} {"max",8}");
        Print("page (Enter to first text painted)", pageTimes);
        Print("API client reading the same turn (Enter to delta)", [.. readerTimes.Where(r => !double.IsNaN(r))]);
        Print("page - API client, same turn", sameTurn);
        Print("API client's own turn (POST to delta)", ownTimes);
        Print("page - API client's own turn, per round", ownTurn);
        Console.WriteLine($"page behind an API client reading the same turn: {Percentile(sameTurn, 50):0.0} ms p50 (target: within 25 ms); " +
            $"{sameTurn.Count} of {pageTimes.Count} rounds ({late} left out: the reader subscribed after the page showed text)");
    }

    private static void Print(string name, List<double> samples) =>
        Console.WriteLine($"{name,-52} {Percentile(samples, 50),8:0.0} {Percentile(samples, 95),8:0.0} {samples.Min(),8:0.0} {samples.Max(),8:0.0}");

    /// <summary>POST .../turns to the first delta event, read to the end.</summary>
    private static async Task<double> ApiTurnAsync(HttpClient api, string conversationId)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns") { Content = JsonContent.Create(new { content = Prompt }) };
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var first = double.NaN;
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            if (item.EventType == "delta" && double.IsNaN(first))
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
        }
        return double.IsNaN(first) ? throw new InvalidOperationException("The turn sent no delta.") : first;
    }

    /// <summary>
    /// The next turn of the page's conversation, and, when <paramref name="conversationId"/> is given, an API client
    /// following that turn's answer from the moment the page shows its id.
    /// </summary>
    private static async Task<PageTurn> PageTurnAsync(IPage page, HttpClient api, string? conversationId)
    {
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });
        await composer.FillAsync(Prompt);
        await page.EvaluateAsync("""
            () => {
                window.benchTtft = new Promise(resolve => {
                    let sent = 0;
                    const before = document.querySelectorAll('article.message.assistant').length;
                    document.addEventListener('keydown', e => { if (e.key === 'Enter') sent = performance.now(); }, { capture: true, once: true });
                    // The new answer's id, as soon as its turn.started is drawn: the reader follows the same turn from then.
                    window.benchAnswerId = new Promise(found => new MutationObserver((_, observer) => {
                        const id = document.querySelectorAll('article.message.assistant')[before]?.dataset.messageId;
                        if (id) {
                            observer.disconnect();
                            found(id);
                        }
                    }).observe(document.getElementById('messages'), { childList: true, subtree: true, attributes: true }));
                    new MutationObserver((_, observer) => {
                        const text = document.querySelectorAll('article.message.assistant')[before]?.querySelector('.markdown')?.textContent ?? '';
                        if (sent && text.trim().length > 0) {
                            observer.disconnect();
                            const seen = performance.now();
                            requestAnimationFrame(() => resolve([sent, seen, performance.now()].map(t => performance.timeOrigin + t)));
                        }
                    }).observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });
                });
            }
            """);
        var answers = await page.Locator("article.message.assistant").CountAsync();
        await composer.PressAsync("Enter");
        var reader = conversationId is null ? Task.FromResult<Reader?>(null) : ReadSameTurnAsync(api, page, conversationId);
        var marks = await page.EvaluateAsync<double[]>("() => window.benchTtft");
        var followed = await reader;
        await page.Locator("article.message.assistant").Nth(answers).And(page.Locator("[data-status='complete']")).WaitForAsync();
        return new PageTurn(marks[0], marks[1], marks[2], followed);
    }

    /// <summary>Follows the page's new answer once it has an id (its <c>turn.started</c> drawn): when the reader subscribed, and when it read the first delta.</summary>
    private static async Task<Reader?> ReadSameTurnAsync(HttpClient api, IPage page, string conversationId)
    {
        var messageId = await page.EvaluateAsync<string>("() => window.benchAnswerId");
        using var response = await api.GetAsync($"/v1/conversations/{conversationId}/messages/{messageId}/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var subscribedAt = Now();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            if (item.EventType == "delta")
            {
                return new Reader(subscribedAt, Now());
            }
        }
        return null;
    }

    private static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
}

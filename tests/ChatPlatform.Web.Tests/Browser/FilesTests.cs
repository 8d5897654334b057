using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatPlatform.Testing.Files;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// Files in the web chat against the whole platform: the paperclip, drop and paste, chips with progress and status,
/// an answer that cites the file, errors in place, and the Files page.
/// </summary>
public sealed partial class FilesTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";

    /// <summary>Ingestion's default limit for a text file (Files:MaxTextBytes).</summary>
    private const int MaxTextBytes = 10 * 1024 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    // A 1x1 PNG: what a pasted screenshot is, in miniature.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private async Task<(IPage Page, TestAccount Account)> SignedUpPageAsync()
    {
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);
        await page.ChooseModelAsync(FastModel);
        return (page, account);
    }

    private static ILocator Chips(IPage page) => page.Locator("li.attachment-chip");

    private static ILocator Send(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Send message" });

    private static async Task AttachWithPaperclipAsync(IPage page, string name, string mimeType, byte[] bytes)
    {
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Attach files" }).ClickAsync());
        await chooser.SetFilesAsync(new FilePayload { Name = name, MimeType = mimeType, Buffer = bytes });
    }

    private static string Notes(int paragraphs) => string.Join("\n\n", Enumerable.Range(1, paragraphs).Select(i =>
        $"Paragraph {i}. The lighthouse keeper logged {i * 7} ships passing the northern reef in the season's {i}th week."));

    [Fact]
    public async Task An_attached_file_shows_its_upload_progress_then_its_processing_status_and_holds_the_message()
    {
        var (page, _) = await SignedUpPageAsync();
        var notes = Encoding.UTF8.GetBytes(Notes(4000));
        // Slow the upload down (Chromium's own throttling) so its progress can be seen between 0 and 100.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = notes.Length / 3,
        });
        await page.Composer().FillAsync("What do the notes say?");

        await AttachWithPaperclipAsync(page, "lighthouse notes with a long name that will not fit the chip.md", "text/markdown", notes);

        var chip = Chips(page);
        await Expect(chip).ToHaveAttributeAsync("title", "lighthouse notes with a long name that will not fit the chip.md");
        await Expect(chip.Locator("progress.chip-progress")).ToHaveAttributeAsync("value", PartialPercent());
        await Expect(chip.Locator(".chip-status")).ToHaveTextAsync(new Regex("^Uploading [1-9][0-9]?%$"));
        await Expect(Send(page)).ToBeDisabledAsync();
        await Expect(page.Locator("#composer-files")).ToHaveTextAsync("Wait for the files to finish uploading.");

        // Stored: ingestion takes it from here, and the message still waits for it.
        await Expect(chip).ToHaveAttributeAsync("data-stage", new Regex("^(processing|ready)$"), new() { Timeout = 30_000 });
        await Expect(chip.Locator(".chip-meta")).ToContainTextAsync("438 KB");
        if (await chip.GetAttributeAsync("data-stage") == "processing")
        {
            await Expect(Send(page)).ToBeDisabledAsync();
            await Expect(page.Locator("#composer-files")).ToHaveTextAsync("Wait for the files to be processed.");
        }
    }

    [Fact]
    public async Task A_ready_file_goes_with_the_message_and_the_answer_links_its_citations_to_the_file()
    {
        var (page, _) = await SignedUpPageAsync();
        var notes = Encoding.UTF8.GetBytes(Notes(40));

        await AttachWithPaperclipAsync(page, "lighthouse.md", "text/markdown", notes);

        var chip = Chips(page);
        await Expect(chip).ToHaveAttributeAsync("data-stage", "ready", new() { Timeout = 60_000 });
        await Expect(chip.Locator(".chip-status")).ToHaveTextAsync("Ready");
        await page.SendAsync("How many ships passed in the third week?");
        var answer = await page.WaitForAnswerAsync();

        await Expect(Chips(page)).ToHaveCountAsync(0);
        await Expect(page.UserMessages().Locator("li.message-file")).ToHaveTextAsync([new Regex("lighthouse\\.md")]);
        var citation = answer.Locator(".markdown a.citation").First;
        await Expect(citation).ToHaveTextAsync("[1]");
        await Expect(citation).ToHaveAttributeAsync("href", CitationHref());
        await Expect(answer.Locator("section[aria-label='Sources'] li").First).ToContainTextAsync("lighthouse.md");
        await page.ScreenshotAsync("files-cited-answer");

        // The link opens the file's page in the app, whose download serves this person's file through the web server,
        // with the gateway's safety headers.
        await page.GotoAsync((await citation.GetAttributeAsync("href"))!);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "lighthouse.md" })).ToBeVisibleAsync();
        var download = page.GetByRole(AriaRole.Link, new() { Name = "Download" });
        var response = await page.APIRequest.GetAsync((await download.GetAttributeAsync("href"))!);
        Assert.Equal(200, response.Status);
        Assert.Equal(notes, await response.BodyAsync());
        Assert.Equal("nosniff", response.Headers["x-content-type-options"]);

        // Back in the conversation the file and the links are still there (stored with the messages).
        await page.GoBackAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.UserMessages().Locator("li.message-file")).ToHaveCountAsync(1);
        await Expect(page.Answers().Locator(".markdown a.citation").First).ToHaveAttributeAsync("href", CitationHref());
    }

    [Fact]
    public async Task A_pasted_image_shows_its_local_thumbnail_and_a_file_removed_before_sending_is_not_attached()
    {
        var (page, _) = await SignedUpPageAsync();

        await page.Composer().EvaluateAsync("""
            (area, bytes) => {
                const data = new DataTransfer();
                data.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
                area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """, Png.Select(b => (int)b).ToArray());
        await Expect(Chips(page).Locator("img.chip-thumbnail")).ToHaveAttributeAsync("src", new Regex("^blob:"));
        // Dropped onto the chat: a second chip.
        await page.Locator("main.chat").EvaluateAsync("""
            main => {
                const data = new DataTransfer();
                data.items.add(new File(['Dropped notes about the reef.'], 'dropped.txt', { type: 'text/plain' }));
                main.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
            }
            """);
        await Expect(Chips(page)).ToHaveCountAsync(2);
        await page.ScreenshotAsync("files-pasted-and-dropped");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove screenshot.png" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove dropped.txt" }).ClickAsync();
        await Expect(Chips(page)).ToHaveCountAsync(0);
        await page.SendAsync("Nothing attached");
        await page.WaitForAnswerAsync();

        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["Nothing attached"]);
        await Expect(page.UserMessages().Locator("li.message-file")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_file_too_large_or_of_an_unsupported_type_is_refused_in_place_with_the_reason()
    {
        var (page, _) = await SignedUpPageAsync();
        await page.Composer().FillAsync("Read these");

        await AttachWithPaperclipAsync(page, "huge.txt", "text/plain", Encoding.ASCII.GetBytes(new string('a', MaxTextBytes + 1)));
        await AttachWithPaperclipAsync(page, "program.exe", "application/octet-stream", [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xFF, 0xFF]);

        var huge = Chips(page).Filter(new() { HasText = "huge.txt" });
        var program = Chips(page).Filter(new() { HasText = "program.exe" });
        await Expect(huge).ToHaveAttributeAsync("data-stage", "failed", new() { Timeout = 60_000 });
        await Expect(huge.Locator(".chip-status")).ToHaveTextAsync(new Regex("larger than the 10 MB allowed"));
        await Expect(program).ToHaveAttributeAsync("data-stage", "failed");
        await Expect(program.Locator(".chip-status")).ToHaveTextAsync(new Regex("not a type accepted here"));
        await Expect(Send(page)).ToBeDisabledAsync();
        await Expect(page.Locator("#composer-files")).ToHaveTextAsync("Remove the files that could not be attached to send the message.");
        await page.ScreenshotAsync("files-refused-chips");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove huge.txt" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove program.exe" }).ClickAsync();
        await Expect(Send(page)).ToBeEnabledAsync();
    }

    [Fact]
    public async Task The_files_page_lists_my_files_pages_them_shows_my_usage_and_deletes_after_confirmation()
    {
        var (page, account) = await SignedUpPageAsync();
        var token = await platform.SignInThroughApiAsync(account.Email, account.Password, Cancellation);
        using var gateway = platform.CreateGatewayClient(token);
        // One more than a page: the oldest is on the second.
        var ids = new List<Guid>();
        for (var i = 0; i <= 50; i++)
        {
            ids.Add(await UploadAsync(gateway, $"file-{i:00}.txt", $"File number {i}."));
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Files" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/files$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My files" })).ToBeVisibleAsync();
        var rows = page.Locator("table.files-table tbody tr");
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(rows.First.Locator("td.name")).ToHaveTextAsync("file-50.txt");
        await Expect(page.Locator("section.usage")).ToContainTextAsync("51 of 200 files");
        await page.ScreenshotAsync("files-page");

        await page.GetByRole(AriaRole.Button, new() { Name = "Show older files" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(51);
        await Expect(rows.Last.Locator("td.name")).ToHaveTextAsync("file-00.txt");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete file-50.txt" }).ClickAsync();
        await Expect(page.Locator(".confirm-text")).ToHaveTextAsync("Delete “file-50.txt”?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(page.Locator("section.usage")).ToContainTextAsync("50 of 200 files");

        await page.ReloadAsync();
        await Expect(rows.First.Locator("td.name")).ToHaveTextAsync("file-49.txt");
        using var deleted = await gateway.GetAsync($"/v1/files/{ids[50]}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
    }

    [Fact]
    public async Task The_files_page_follows_a_file_uploaded_elsewhere_until_it_is_ready()
    {
        var (page, account) = await SignedUpPageAsync();
        using var gateway = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Cancellation));
        await page.GotoAsync("files");
        await Expect(page.Locator(".files-empty")).ToBeVisibleAsync();

        await UploadAsync(gateway, "from-my-phone.txt", "Written on another device.");

        var row = page.Locator("table.files-table tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td.name")).ToHaveTextAsync("from-my-phone.txt");
        await Expect(row.Locator(".status-badge")).ToHaveTextAsync(new Regex("^Ready"), new() { Timeout = 60_000 });
        await Expect(page.Locator("section.usage")).ToContainTextAsync("1 of 200 files");
    }

    [Fact]
    public async Task Another_persons_file_is_not_served_to_me()
    {
        var (page, _) = await SignedUpPageAsync();
        var other = TestAccount.New();
        using var gateway = platform.CreateGatewayClient(await platform.RegisterThroughApiAsync(other, Cancellation));
        var theirs = await UploadAsync(gateway, "private.txt", "Someone else's secret.");

        var response = await page.APIRequest.GetAsync($"api/files/{theirs}/content");

        Assert.Equal(404, response.Status);
        Assert.DoesNotContain("secret", await response.TextAsync());
    }

    [Fact]
    public async Task A_cited_pdf_opens_at_its_page_drawn_as_an_image_with_the_pages_around_it()
    {
        var (page, account) = await SignedUpPageAsync();
        using var gateway = platform.CreateGatewayClient(await platform.SignInThroughApiAsync(account.Email, account.Password, Cancellation));
        using var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(MinimalPdf.Create("Chapter one.", "Chapter two: the harbour.", "Chapter three.")), "file", "book.pdf" },
        };
        using var created = await gateway.PostAsync("/v1/files", content, Cancellation);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetGuid();
        await WaitUntilReadyAsync(gateway, id);

        await page.GotoAsync($"files/{id}?page=2");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "book.pdf" })).ToBeVisibleAsync();
        await Expect(page.Locator(".page-nav")).ToContainTextAsync("Page 2 of 3");
        var image = page.GetByRole(AriaRole.Img, new() { Name = "Page 2 of book.pdf" });
        await Expect(image).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('img.page-image'); return i && i.complete && i.naturalWidth > 0; }");
        await page.ScreenshotAsync("files-pdf-page");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next →" }).ClickAsync();
        await Expect(page.Locator(".page-nav")).ToContainTextAsync("Page 3 of 3");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next →" })).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Page 3 of book.pdf" })).ToBeVisibleAsync();
    }

    private static async Task WaitUntilReadyAsync(HttpClient gateway, Guid id)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        while ((await gateway.GetFromJsonAsync<JsonElement>($"/v1/files/{id}", deadline.Token)).GetProperty("status").GetString() is var status && status != "ready")
        {
            Assert.True(status is "pending" or "processing", $"the file ended {status}");
            // Once a second: a user's requests a minute are rate-limited, and processing takes seconds anyway.
            await Task.Delay(1_000, deadline.Token);
        }
    }

    private static async Task<Guid> UploadAsync(HttpClient gateway, string name, string text)
    {
        using var content = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", name } };
        using var response = await gateway.PostAsync("/v1/files", content, Cancellation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetGuid();
    }

    [GeneratedRegex("^([1-9]|[1-9][0-9])$")]
    private static partial Regex PartialPercent();

    [GeneratedRegex(@"^files/[0-9a-f-]{36}(\?page=\d+)?$")]
    private static partial Regex CitationHref();

}

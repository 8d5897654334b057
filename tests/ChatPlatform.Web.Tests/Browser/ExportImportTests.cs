using System.IO.Compression;
using System.Text;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A person bringing ChatGPT conversations in and taking them out again (docs/conversations.md, Export and Import).</summary>
public sealed class ExportImportTests(BrowserPlatform platform)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>ChatGPT's shape: a null root, a hidden system message, a question answered twice (a branch), current_node on the second.</summary>
    private const string ChatGptFile = """
        [{"title":"Lisbon tips","create_time":1717000000.5,"update_time":1717000300.1,"current_node":"a2","default_model_slug":"gpt-4o",
          "is_archived":false,"conversation_id":"c1","id":"c1","mapping":{
          "root":{"id":"root","message":null,"parent":null,"children":["sys"]},
          "sys":{"id":"sys","parent":"root","children":["q"],"message":{"id":"sys","author":{"role":"system","name":null,"metadata":{}},
            "create_time":null,"content":{"content_type":"text","parts":[""]},"status":"finished_successfully","weight":0.0,
            "metadata":{"is_visually_hidden_from_conversation":true},"recipient":"all"}},
          "q":{"id":"q","parent":"sys","children":["a1","a2"],"message":{"id":"q","author":{"role":"user","name":null,"metadata":{}},
            "create_time":1717000010.0,"content":{"content_type":"text","parts":["Where should I eat in Lisbon?"]},"status":"finished_successfully",
            "weight":1.0,"metadata":{},"recipient":"all"}},
          "a1":{"id":"a1","parent":"q","children":[],"message":{"id":"a1","author":{"role":"assistant","name":null,"metadata":{}},
            "create_time":1717000020.0,"content":{"content_type":"text","parts":["Try the first answer's tascas."]},"status":"finished_successfully",
            "weight":1.0,"metadata":{"model_slug":"gpt-4o"},"recipient":"all"}},
          "a2":{"id":"a2","parent":"q","children":[],"message":{"id":"a2","author":{"role":"assistant","name":null,"metadata":{}},
            "create_time":1717000030.0,"content":{"content_type":"text","parts":["Time Out Market, then pastéis in Belém."]},"status":"finished_successfully",
            "weight":1.0,"metadata":{"model_slug":"gpt-4o"},"recipient":"all"}}}}]
        """;

    [Fact]
    public async Task A_ChatGPT_file_imports_and_the_conversation_and_all_data_download_from_the_menus()
    {
        var page = await platform.NewPageAsync(1280, 900, ColorScheme.Light);
        await page.SignUpAsync(TestAccount.New());

        await page.GetByRole(AriaRole.Link, new() { Name = "Export and import" }).ClickAsync();
        await Expect(page.Locator("main.data-page")).ToHaveAttributeAsync("data-ready", "true");
        await page.GetByLabel("Import file").SetInputFilesAsync(new FilePayload
        {
            Name = "conversations.json",
            MimeType = "application/json",
            Buffer = Encoding.UTF8.GetBytes(ChatGptFile),
        });
        var result = page.Locator(".import-result");
        await Expect(result).ToContainTextAsync("Imported 1 conversation");
        await result.GetByRole(AriaRole.Link, new() { Name = "Lisbon tips" }).ClickAsync();

        // The branch current_node named is on screen, the other answer behind the sibling navigator.
        await Expect(page.Answers()).ToHaveCountAsync(1);
        await Expect(page.Answers().First).ToContainTextAsync("Time Out Market");
        var conversation = page.Locator(".conversation", new() { HasText = "Lisbon tips" });
        await conversation.HoverAsync();
        await conversation.GetByRole(AriaRole.Button, new() { Name = "More actions" }).ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => conversation.GetByRole(AriaRole.Link, new() { Name = "Export Lisbon tips as Markdown" }).ClickAsync());
        var markdown = await File.ReadAllTextAsync((await download.PathAsync())!, Token);
        Assert.Equal("Lisbon tips.md", download.SuggestedFilename);
        Assert.StartsWith("# Lisbon tips", markdown, StringComparison.Ordinal);
        Assert.Contains("Where should I eat in Lisbon?", markdown, StringComparison.Ordinal);
        Assert.Contains("pastéis in Belém", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("first answer", markdown, StringComparison.Ordinal);

        // Everything, as one zip, from the Export and import page.
        await page.GetByRole(AriaRole.Link, new() { Name = "Export and import" }).ClickAsync();
        var all = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export all my data" }).ClickAsync());
        Assert.EndsWith(".zip", all.SuggestedFilename, StringComparison.Ordinal);
        await using var zip = new ZipArchive(File.OpenRead((await all.PathAsync())!), ZipArchiveMode.Read);
        var json = zip.Entries.Single(e => e.FullName.StartsWith("conversations/", StringComparison.Ordinal) && e.FullName.EndsWith(".json", StringComparison.Ordinal));
        using var tree = await JsonDocument.ParseAsync(json.Open(), cancellationToken: Token);
        Assert.Equal("Lisbon tips", tree.RootElement.GetProperty("title").GetString());
        Assert.Equal(3, tree.RootElement.GetProperty("messages").GetArrayLength());
        Assert.Contains("account.json", zip.Entries.Select(e => e.FullName));
    }
}

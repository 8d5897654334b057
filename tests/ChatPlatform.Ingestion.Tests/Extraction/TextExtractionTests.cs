using System.Text;
using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class TextExtractionTests
{
    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/markdown")]
    [InlineData("text/csv")]
    [InlineData("text/x-csharp")]
    [InlineData(MediaTypes.Json)]
    public async Task Text_files_are_read_as_UTF8_as_they_are(string mediaType)
    {
        const string text = "Grüße, 世界 — line one\nline two\n";

        var document = await Extractors.ExtractAsync(Encoding.UTF8.GetBytes(text), mediaType);

        var page = Assert.Single(document.Pages);
        Assert.Equal(text, page.Text);
        Assert.False(page.Ocr);
    }

    [Fact]
    public async Task Windows_line_endings_and_a_byte_order_mark_are_normalised()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("one\r\ntwo\r\n")).ToArray();

        var document = await Extractors.ExtractAsync(bytes, "text/plain");

        Assert.Equal("one\ntwo\n", Assert.Single(document.Pages).Text);
    }

    [Fact]
    public async Task Binary_bytes_under_a_text_type_fail()
    {
        var error = await Extractors.FailsAsync(TestFiles.RenderPng(TestFiles.TextPdf("x"), 30), "text/plain");

        Assert.Equal("The file is not text: it holds binary data.", error.Message);
    }

    [Fact]
    public async Task HTML_reads_as_its_visible_text_without_scripts_or_styles()
    {
        const string html = """
            <!doctype html><html><head><title>Release notes</title><style>body { color: red }</style>
            <script>alert("steal the cookies")</script></head>
            <body><h1>Version 2</h1><p>Faster   uploads and <b>fewer</b> errors.<br>Released today.</p>
            <script>document.write("injected")</script><noscript>enable javascript</noscript>
            <div hidden>secret draft</div><table><tr><td>Size</td><td>10 MB</td></tr></table></body></html>
            """;

        var document = await Extractors.ExtractAsync(Encoding.UTF8.GetBytes(html), MediaTypes.Html);

        var text = Assert.Single(document.Pages).Text;
        Assert.Equal("Release notes\n\nVersion 2\n\nFaster uploads and fewer errors.\nReleased today.\n\nSize\t10 MB", text);
    }

    [Fact]
    public async Task An_empty_file_fails_saying_so()
    {
        var error = await Extractors.FailsAsync([], "text/plain");

        Assert.Equal("The file is empty.", error.Message);
    }

    [Fact]
    public async Task A_text_longer_than_allowed_fails()
    {
        var error = await Extractors.FailsAsync(Encoding.UTF8.GetBytes(new string('a', 101)), "text/plain", o => o.MaxCharacters = 100);

        Assert.Equal("The file holds more than 100 characters of text.", error.Message);
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("application/x-msdownload")]
    [InlineData("")]
    public async Task A_type_that_cannot_be_read_fails_naming_it(string mediaType)
    {
        var error = await Extractors.FailsAsync("MZ"u8.ToArray(), mediaType);

        Assert.Equal($"Files of type '{mediaType}' cannot be read.", error.Message);
    }
}

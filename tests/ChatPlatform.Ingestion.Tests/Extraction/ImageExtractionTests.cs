using System.Buffers.Binary;
using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class ImageExtractionTests
{
    private static readonly byte[] TextPdf = TestFiles.TextPdf("Meeting moved to Thursday\nRoom 42 at 10 o'clock");

    [Theory]
    [InlineData(MediaTypes.Png, "-png")]
    [InlineData(MediaTypes.Jpeg, "-jpeg")]
    public async Task An_image_of_text_is_read_by_OCR_as_one_page(string mediaType, string format)
    {
        var image = TestFiles.RenderPng(TextPdf, 150, format);

        var document = await Extractors.ExtractAsync(image, mediaType);

        var page = Assert.Single(document.Pages);
        Assert.Equal(1, page.Number);
        Assert.True(page.Ocr);
        Assert.Contains("Meeting moved to Thursday", page.Text, StringComparison.Ordinal);
        Assert.Contains("Room 42", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_GIF_of_text_is_read_by_OCR()
    {
        var document = await Extractors.ExtractAsync(TestFiles.Gif(TextPdf, 150), MediaTypes.Gif);

        Assert.Contains("Meeting moved to Thursday", Assert.Single(document.Pages).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_without_text_is_an_empty_page_not_an_error()
    {
        var blank = TestFiles.RenderPng(TestFiles.TextPdf(""), 50);

        var document = await Extractors.ExtractAsync(blank, MediaTypes.Png);

        Assert.Equal("", Assert.Single(document.Pages).Text);
    }

    [Fact]
    public async Task A_file_whose_bytes_are_not_the_claimed_image_type_fails()
    {
        var error = await Extractors.FailsAsync(TestFiles.RenderPng(TextPdf, 50), MediaTypes.Jpeg);

        Assert.Equal("The file is not a readable JPEG image.", error.Message);
    }

    [Fact]
    public async Task An_image_claiming_a_huge_canvas_is_refused_before_it_is_decoded()
    {
        var png = TestFiles.RenderPng(TextPdf, 50);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 100_000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 100_000);

        var error = await Extractors.FailsAsync(png, MediaTypes.Png);

        Assert.Equal("The image is 100,000 × 100,000 pixels; at most 40 million pixels can be read.", error.Message);
    }

    [Fact]
    public async Task A_damaged_image_fails_cleanly()
    {
        var png = TestFiles.RenderPng(TextPdf, 50);
        var damaged = png[..40].Concat(new byte[4000]).ToArray();

        var error = await Extractors.FailsAsync(damaged, MediaTypes.Png);

        Assert.StartsWith("The image could not be read", error.Message, StringComparison.Ordinal);
    }
}

using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class ImageSizeTests
{
    [Fact]
    public void A_PNG_size_comes_from_its_header()
    {
        var png = TestFiles.RenderPng(TestFiles.TextPdf("x"), 72);

        // An A4 page at 72 dpi: 595 x 842 points.
        Assert.Equal(new ImageSize(595, 842), ImageSize.Read(png));
    }

    [Fact]
    public void A_JPEG_size_comes_from_its_frame_header_past_other_segments()
    {
        var jpeg = TestFiles.RenderPng(TestFiles.TextPdf("x"), 36, "-jpeg");

        Assert.Equal(new ImageSize(298, 421), ImageSize.Read(jpeg));
    }

    [Fact]
    public void A_GIF_size_comes_from_its_screen_descriptor()
    {
        Assert.Equal(new ImageSize(298, 421), ImageSize.Read(TestFiles.Gif(TestFiles.TextPdf("x"), 36)));
    }

    [Theory]
    // VP8X: 24-bit width-1 and height-1 at offset 24.
    [InlineData("52494646000000005745425056503858" + "0A000000" + "00000000" + "FF0100" + "2B0100", 512, 300)]
    // VP8L: 14-bit width-1 and height-1 after the signature byte 0x2F.
    [InlineData("5249464600000000574542505650384C" + "00000000" + "2F" + "FF" + "C0" + "4A" + "00" + "000000000000000000", 256, 300)]
    // VP8 (lossy): the frame's width and height at offset 26.
    [InlineData("52494646000000005745425056503820" + "00000000" + "000000" + "9D012A" + "0002" + "2C01" + "0000", 512, 300)]
    public void A_WebP_size_comes_from_whichever_chunk_it_starts_with(string hex, int width, int height)
    {
        Assert.Equal(new ImageSize(width, height), ImageSize.Read(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("89504E470D0A1A0A")]
    [InlineData("FFD8FFE0")]
    [InlineData("25504446")]
    public void Bytes_that_are_not_a_known_image_header_have_no_size(string hex)
    {
        Assert.Null(ImageSize.Read(Convert.FromHexString(hex)));
    }
}

using System.Text;
using ChatPlatform.Ingestion.Files;

namespace ChatPlatform.Ingestion.Tests.Files;

public sealed class FileTypeSnifferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Text_split_inside_multi_byte_characters_is_still_text(int pieceSize)
    {
        var bytes = Encoding.UTF8.GetBytes("é€😀 ok " + string.Concat(Enumerable.Repeat("Grüße 世界 🎉", 500)));

        Assert.Equal(FileType.Text, Sniff(bytes, pieceSize));
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xC3 }, 1)]
    [InlineData(new byte[] { 0x61, 0xF0, 0x9F, 0x98 }, 1)]
    [InlineData(new byte[] { 0x61, 0xC0, 0xAF, 0x62 }, 2)]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80, 0x62 }, 3)]
    [InlineData(new byte[] { 0x61, 0x62, 0x00, 0x63 }, 1)]
    public void Cut_overlong_surrogate_or_NUL_bytes_are_not_text(byte[] bytes, int pieceSize)
    {
        Assert.Null(Sniff(bytes, pieceSize));
    }

    [Fact]
    public void A_short_text_of_fewer_bytes_than_any_signature_is_text()
    {
        Assert.Equal(FileType.Text, Sniff("hi"u8.ToArray(), 1));
        Assert.Null(Sniff([], 1));
    }

    [Fact]
    public void A_signature_cut_across_reads_is_still_recognised()
    {
        var webp = "RIFF\u0001\u0000\u0000\u0000WEBPVP8 "u8.ToArray();

        Assert.Equal(FileType.WebP, Sniff(webp, 1));
        Assert.Equal(FileType.Zip, Sniff("PK\u0003\u0004rest of it"u8.ToArray(), 3));
    }

    private static FileType? Sniff(byte[] bytes, int pieceSize)
    {
        var sniffer = new FileTypeSniffer();
        for (var at = 0; at < bytes.Length; at += pieceSize)
        {
            sniffer.Observe(bytes.AsSpan(at, Math.Min(pieceSize, bytes.Length - at)));
        }
        return sniffer.Finish();
    }
}

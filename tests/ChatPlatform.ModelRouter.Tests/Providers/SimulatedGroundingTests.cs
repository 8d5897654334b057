using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers.Simulator;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

/// <summary>The simulator answers about the images and numbered sources it is sent, deterministically (for offline tests of files).</summary>
public sealed class SimulatedGroundingTests
{
    private static readonly SimulatorSettings Fast = new(TimeToFirstTokenMs: 0, TokensPerSecond: 0, AnswerTokens: 12);

    private static readonly DeploymentDefinition Deployment =
        new("sim-vision-1", "sim-vision", ProviderKind.Simulator, "sim-vision", Endpoint: null, ApiKeySetting: null, 1, 1, Pricing.Free, Simulator: Fast);

    private static SimulatorChatClient Client() => new("sim-vision", Fast, TimeProvider.System);

    /// <summary>Headers as the formats write them, then filler: only the header is read.</summary>
    public static byte[] Png(int width, int height) =>
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
        .. BigEndian32(width), .. BigEndian32(height), 8, 6, 0, 0, 0, 1, 2, 3, 4, .. new byte[67],
    ];

    public static byte[] Jpeg(int width, int height) =>
    [
        0xFF, 0xD8,
        // APP0 (JFIF), 16 bytes with its length, then a fill byte before the next marker.
        0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
        // DHT (shares the SOF range but is not one), then SOF2 (progressive).
        0xFF, 0xC4, 0, 4, 0, 0,
        0xFF, 0xC2, 0, 17, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ];

    public static byte[] Gif(int width, int height) =>
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0xF7, 0, 0];

    public static byte[] WebPLossless(int width, int height)
    {
        var bits = (uint)(width - 1) | ((uint)(height - 1) << 14);
        return [.. "RIFF"u8, 30, 0, 0, 0, .. "WEBPVP8L"u8, 10, 0, 0, 0, 0x2F, (byte)bits, (byte)(bits >> 8), (byte)(bits >> 16), (byte)(bits >> 24), 0, 0, 0, 0, 0];
    }

    public static byte[] WebPExtended(int width, int height) =>
        [.. "RIFF"u8, 30, 0, 0, 0, .. "WEBPVP8X"u8, 10, 0, 0, 0, 0x10, 0, 0, 0, .. LittleEndian24(width - 1), .. LittleEndian24(height - 1)];

    public static byte[] WebPLossy(int width, int height) =>
        [.. "RIFF"u8, 30, 0, 0, 0, .. "WEBPVP8 "u8, 10, 0, 0, 0, 0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8)];

    private static byte[] BigEndian32(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static byte[] LittleEndian24(int value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16)];

    [Fact]
    public async Task It_describes_each_image_it_received_by_format_byte_size_and_pixel_size()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, [new TextContent("What are these?"), new DataContent(Png(800, 600), "image/png"), new DataContent(Jpeg(640, 480), "image/jpeg")]),
            new(ChatRole.Assistant, "Two images."),
            new(ChatRole.User, [
                new TextContent("And these?"), new DataContent(Gif(320, 200), "image/gif"), new DataContent(WebPLossless(100, 50), "image/webp"),
                new DataContent(WebPExtended(1920, 1080), "image/webp"), new DataContent(WebPLossy(300, 150), "image/webp"),
                new DataContent(new byte[] { 1, 2, 3 }, "image/png"),
            ]),
        ];

        var (updates, error) = await StreamAsync(Client(), Deployment, messages, null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(
            "[simulated] I received 7 images. Image 1: PNG, 100 bytes, 800x600 pixels. Image 2: JPEG, 46 bytes, 640x480 pixels. " +
            "Image 3: GIF, 13 bytes, 320x200 pixels. Image 4: WebP, 30 bytes, 100x50 pixels. Image 5: WebP, 30 bytes, 1920x1080 pixels. " +
            "Image 6: WebP, 30 bytes, 300x150 pixels. Image 7: image/png, 3 bytes, a header it could not read.",
            Text(updates));
        // Streamed word by word, like any answer, and counted.
        Assert.True(TextUpdateCount(updates) > 20);
        Assert.Equal(TextUpdateCount(updates), Usage(updates)!.OutputTokenCount);
    }

    [Fact]
    public async Task Given_numbered_sources_it_quotes_the_first_ones_first_sentence_and_cites_it_and_the_second()
    {
        const string sources = "The user attached files; cite them like [1].\n\n" +
            "[1] report.pdf, page 7:\nRevenue grew 12% in the\nthird quarter. Costs fell.\n\n[2] notes.txt:\nSee the appendix.";
        ChatMessage[] one = [new(ChatRole.System, "Be brief."), new(ChatRole.System, sources[..sources.IndexOf("\n\n[2]", StringComparison.Ordinal)]), new(ChatRole.User, "How did revenue do?")];
        ChatMessage[] two = [new(ChatRole.System, sources), new(ChatRole.User, "How did revenue do?")];
        var ct = TestContext.Current.CancellationToken;

        var first = Text((await StreamAsync(Client(), Deployment, one, null, ct)).Updates);
        var second = Text((await StreamAsync(Client(), Deployment, two, null, ct)).Updates);
        var plain = Text((await StreamAsync(Client(), Deployment, [new(ChatRole.System, "[1] is not a source here."), new(ChatRole.User, "Hi")], null, ct)).Updates);

        Assert.Equal("[simulated] According to report.pdf: \"Revenue grew 12% in the third quarter.\" [1]", first);
        Assert.Equal("[simulated] According to report.pdf: \"Revenue grew 12% in the third quarter.\" [1] See also [2].", second);
        Assert.DoesNotContain("According", plain, StringComparison.Ordinal);
        Assert.StartsWith("[simulated] ", plain, StringComparison.Ordinal);
    }
}

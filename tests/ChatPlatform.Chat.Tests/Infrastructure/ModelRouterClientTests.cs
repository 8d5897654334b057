using System.Net;
using System.Text;
using ChatPlatform.Chat.Infrastructure;

namespace ChatPlatform.Chat.Tests.Infrastructure;

public sealed class ModelRouterClientTests
{
    private static readonly RouterMessage[] Question = [new("user", "Hi")];

    private static readonly string Long = new('x', 10_000);

    [Fact]
    public async Task Events_split_anywhere_across_reads_and_ended_by_crlf_are_read_whole()
    {
        var body = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n" +
            ": a comment\n\n" +
            $"data: {{\"choices\":[{{\"delta\":{{\"content\":\"{Long}\"}}}}]}}\n\n" +
            "data:{\"choices\":[{\"delta\":{\"content\":\"lo é\"},\"finish_reason\":\"stop\"}]}\n\n" +
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n" +
            "data: [DONE]\n\n";
        // Three bytes at a time: lines, and the two bytes of "é", are cut between reads; the long line spans buffers.
        var client = ClientAnswering(body, readSize: 3);

        var chunks = await ReadAllAsync(client);

        Assert.Equal(["Hel", Long, "lo é", null], chunks.Select(c => c.Text));
        Assert.Equal("stop", chunks[2].FinishReason);
        Assert.Equal(2, chunks[3].Usage!.OutputTokens);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(3)]
    public async Task A_last_line_without_a_newline_is_read_when_the_stream_ends(int readSize)
    {
        var body = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n" +
            "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n" +
            "data: [DONE]";
        var client = ClientAnswering(body, readSize);

        var chunks = await ReadAllAsync(client);

        Assert.Equal(["Hel", "lo"], chunks.Select(c => c.Text));
    }

    [Fact]
    public async Task A_last_chunk_without_a_newline_is_read_before_the_stream_is_found_incomplete()
    {
        var client = ClientAnswering("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}", readSize: 1024);
        var chunks = new List<RouterChunk>();

        var error = await Assert.ThrowsAsync<RouterException>(async () =>
        {
            await foreach (var chunk in client.StreamAsync(Guid.NewGuid(), "m", Question, 100, TestContext.Current.CancellationToken))
            {
                chunks.Add(chunk);
            }
        });

        Assert.Equal("stream_incomplete", error.Code);
        Assert.Equal(["Hel"], chunks.Select(c => c.Text));
    }

    [Fact]
    public async Task A_stream_that_ends_without_done_is_incomplete()
    {
        var client = ClientAnswering("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n", readSize: 1024);

        var error = await Assert.ThrowsAsync<RouterException>(() => ReadAllAsync(client));

        Assert.Equal("stream_incomplete", error.Code);
    }

    [Fact]
    public async Task An_error_sent_inside_the_stream_throws_its_code()
    {
        var client = ClientAnswering("data: {\"error\":{\"code\":\"overloaded\",\"message\":\"Busy.\"}}\n\n", readSize: 1024);

        var error = await Assert.ThrowsAsync<RouterException>(() => ReadAllAsync(client));

        Assert.Equal(("overloaded", "Busy."), (error.Code, error.Message));
    }

    private static async Task<List<RouterChunk>> ReadAllAsync(ModelRouterClient client)
    {
        var chunks = new List<RouterChunk>();
        await foreach (var chunk in client.StreamAsync(Guid.NewGuid(), "m", Question, 100, TestContext.Current.CancellationToken))
        {
            chunks.Add(chunk);
        }
        return chunks;
    }

    private static ModelRouterClient ClientAnswering(string body, int readSize) =>
        new(new Factory(new Handler(Encoding.UTF8.GetBytes(body), readSize)), TimeProvider.System);

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { BaseAddress = new Uri("http://model-router") };
    }

    private sealed class Handler(byte[] body, int readSize) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TrickleStream(body, readSize)) });
    }

    /// <summary>Gives at most <c>readSize</c> bytes a read, as a network does when events arrive in pieces.</summary>
    private sealed class TrickleStream(byte[] body, int readSize) : MemoryStream(body)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}

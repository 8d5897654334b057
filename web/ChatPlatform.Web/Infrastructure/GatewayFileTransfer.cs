using System.Net.Http.Headers;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// The file routes whose bodies pass through this server without being held in it: an upload streamed from the
/// browser to <c>POST /v1/files</c>, and a file's bytes streamed back from <c>GET /v1/files/{id}/content</c>.
/// The caller owns the answer (its status, headers and body) and disposes it.
/// </summary>
public sealed class GatewayFileTransfer(IHttpClientFactory httpClients)
{
    /// <summary>No retries (a streamed body cannot be sent twice) and no overall timeout (a large upload takes its time).</summary>
    public const string HttpClientName = "gateway-files";

    /// <summary>
    /// Sends <paramref name="body"/> as the one multipart part <c>file</c> the gateway takes, as it arrives. The
    /// <paramref name="origin"/> (docs/files.md, Deleting) goes as is; the gateway's upstream refuses one it does not know.
    /// </summary>
    /// <exception cref="GatewayException">Status 0: the gateway could not be reached.</exception>
    public async Task<HttpResponseMessage> UploadAsync(
        string accessToken, Stream body, long? length, string fileName, string? mediaType, string? origin, CancellationToken cancellationToken)
    {
        var part = new StreamContent(new NonClosingStream(body));
        part.Headers.ContentType = MediaTypeHeaderValue.TryParse(mediaType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        // With the part's length known, the multipart body's is too, and the gateway can refuse an oversized one at once.
        part.Headers.ContentLength = length;
        // filename* carries the name whole (RFC 5987 percent-encoding); filename, for readers that take only that, an ASCII
        // stand-in. Quotes, backslashes and non-ASCII characters in a quoted filename break the header.
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"",
            FileName = "\"" + AsciiStandIn(fileName) + "\"",
            FileNameStar = fileName,
        };
        using var content = new MultipartFormDataContent { part };
        var path = string.IsNullOrEmpty(origin) ? "/v1/files" : $"/v1/files?origin={Uri.EscapeDataString(origin)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        return await SendAsync(request, accessToken, cancellationToken);
    }

    /// <summary>A GET of one of the file's routes (its content, a page's image), answered as it streams in.</summary>
    /// <exception cref="GatewayException">Status 0: the gateway could not be reached.</exception>
    public async Task<HttpResponseMessage> OpenAsync(string accessToken, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, accessToken, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string accessToken, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            return await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (GatewayException.IsTransportFailure(e) && !cancellationToken.IsCancellationRequested && !IsBodyTooLarge(e))
        {
            throw GatewayException.Unreachable();
        }
    }

    private static string AsciiStandIn(string name) =>
        string.Concat(name.Select(c => c is >= ' ' and <= '~' and not ('"' or '\\') ? c : '_'));

    /// <summary>The browser's body passed this server's limit while it was being relayed (Kestrel stops reading it).</summary>
    public static bool IsBodyTooLarge(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The request body belongs to Kestrel: the multipart content must not close it when it is disposed.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Net.Sockets;
using System.Text;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>An answer read whole off the wire: status, headers (names lower-cased) and the decoded body.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>How an exchange failed on the wire, as a client would see it.</summary>
public enum WireFailure
{
    /// <summary>No complete answer within the per-request timeout.</summary>
    Hang,

    /// <summary>The connection was reset before the answer was complete.</summary>
    Reset,

    /// <summary>The connection closed before the answer was complete (a body shorter than announced, a chunk missing).</summary>
    Truncated,

    /// <summary>What came back is not HTTP/1.1.</summary>
    Garbled,
}

public sealed class WireException(WireFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public WireFailure Failure { get; } = failure;
}

/// <summary>
/// HTTP/1.1 over a plain socket, one request per connection: it sends exactly the bytes it is given (odd methods, invalid
/// UTF-8 in a path, broken chunking), which no HttpClient will, and tells a reset or a short body from a complete answer.
/// The body is written while the answer is read, as real clients do, so a server that answers early is not a failure.
/// </summary>
public static class RawHttp
{
    private const int MaxHeadBytes = 64 * 1024;
    private const int MaxBodyBytes = 32 * 1024 * 1024;

    public static async Task<RawResponse> ExchangeAsync(Uri endpoint, byte[] head, byte[] body, bool isHead, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, deadline.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var writing = WriteAsync(stream, head, body, deadline.Token);
            var response = await ReadResponseAsync(new WireReader(stream), isHead, deadline.Token);
            try
            {
                await writing;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The server answered before it read the whole body and closed: the answer is what counts.
            }
            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WireException(WireFailure.Hang, $"no complete answer within {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            var reset = e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted }
                || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted };
            throw new WireException(reset ? WireFailure.Reset : WireFailure.Truncated, e.Message, e);
        }
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] head, byte[] body, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(head, cancellationToken);
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)), cancellationToken);
        }
    }

    private static async Task<RawResponse> ReadResponseAsync(WireReader reader, bool isHead, CancellationToken cancellationToken)
    {
        while (true)
        {
            var statusLine = await reader.ReadLineAsync(cancellationToken);
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
            {
                throw new WireException(WireFailure.Garbled, $"status line '{statusLine}'");
            }
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } line)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new WireException(WireFailure.Garbled, $"header line '{line}'");
                }
                var name = line[..colon].Trim().ToLowerInvariant();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }
            if (status is 100 or 102 or 103)
            {
                continue; // interim answers precede the real one
            }
            if (isHead || status is 101 or 204 or 304)
            {
                return new RawResponse(status, headers, []);
            }
            byte[] body;
            if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                body = await ReadChunkedAsync(reader, cancellationToken);
            }
            else if (headers.TryGetValue("content-length", out var length))
            {
                body = await reader.ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            }
            else
            {
                body = await reader.ReadToEndAsync(MaxBodyBytes, cancellationToken);
            }
            return new RawResponse(status, headers, body);
        }
    }

    private static async Task<byte[]> ReadChunkedAsync(WireReader reader, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await reader.ReadLineAsync(cancellationToken);
            var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 })
                {
                    // trailers
                }
                return body.ToArray();
            }
            if (body.Length + size > MaxBodyBytes)
            {
                throw new WireException(WireFailure.Garbled, "a body over 32 MB");
            }
            body.Write(await reader.ReadExactlyAsync(size, cancellationToken));
            if ((await reader.ReadLineAsync(cancellationToken)).Length != 0)
            {
                throw new WireException(WireFailure.Garbled, "a chunk longer than its size");
            }
        }
    }

    /// <summary>A buffered reader of lines and byte counts that reports an early end as truncation.</summary>
    private sealed class WireReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    throw new WireException(WireFailure.Truncated, line.Count == 0 && _total == 0 ? "closed without an answer" : "closed mid-line");
                }
                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return Encoding.Latin1.GetString([.. line]).TrimEnd('\r');
                }
                line.Add(b);
                if (line.Count > MaxHeadBytes)
                {
                    throw new WireException(WireFailure.Garbled, "a line over 64 KB");
                }
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var copied = 0;
            while (copied < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    throw new WireException(WireFailure.Truncated, $"body closed after {copied} of {count} bytes");
                }
                var n = Math.Min(count - copied, _end - _start);
                Array.Copy(_buffer, _start, result, copied, n);
                _start += n;
                copied += n;
            }
            return result;
        }

        public async Task<byte[]> ReadToEndAsync(int limit, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream();
            do
            {
                body.Write(_buffer, _start, _end - _start);
                _start = _end;
                if (body.Length > limit)
                {
                    throw new WireException(WireFailure.Garbled, "a body over 32 MB");
                }
            }
            while (await FillAsync(cancellationToken));
            return body.ToArray();
        }

        private long _total;

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            _total += _end;
            return _end > 0;
        }
    }
}

using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using ChatPlatform.Ingestion.Extraction;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Scanning;

/// <summary>
/// Scans with ClamAV's clamd over TCP with its INSTREAM command: <c>zINSTREAM\0</c>, then the bytes in chunks each led by
/// its 4-byte big-endian length, then a zero length; clamd answers one NUL-terminated line. Anything but a clear verdict
/// is a <see cref="VirusScanException"/>, and the pipeline tries again later.
/// </summary>
public sealed partial class ClamdScanner(IOptions<VirusScanOptions> options, TimeProvider timeProvider, ILogger<ClamdScanner> logger) : IVirusScanner
{
    private const int MaxReplyBytes = 4096;

    private readonly VirusScanOptions _options = options.Value;

    public async Task<ScanResult> ScanAsync(Stream content, CancellationToken cancellationToken)
    {
        if (!_options.TryGetEndpoint(out var host, out var port))
        {
            throw new VirusScanException("VirusScan:Clamd is not host:port.");
        }
        using var deadline = new CancellationTokenSource(_options.Timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var client = new TcpClient { NoDelay = true };
        Task<string>? reply = null;
        try
        {
            await client.ConnectAsync(host, port, stop.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), stop.Token);
            // clamd answers as soon as it refuses the stream (over StreamMaxLength), while we are still sending: listen
            // from the start, so a write that fails because clamd hung up does not hide why it did.
            reply = ReadReplyAsync(stream, stop.Token);
            try
            {
                await SendAsync(content, stream, stop.Token);
            }
            catch (IOException)
            {
                // clamd hangs up once it has answered (a refusal); its answer, if it came, says why better than the write.
                var answered = await Task.WhenAny(reply, Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stop.Token)) == reply;
                if (!answered || !reply.IsCompletedSuccessfully || reply.Result.Length == 0)
                {
                    throw;
                }
            }
            return Parse(await reply);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new VirusScanException($"clamd at {_options.Clamd} did not answer within {Durations.Describe(_options.Timeout)}.");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new VirusScanException($"clamd at {_options.Clamd} could not be reached or dropped the connection.", e);
        }
        finally
        {
            client.Dispose();
            if (reply is not null)
            {
                await ((Task)reply).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task SendAsync(Stream content, NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4 + _options.ChunkBytes];
        int read;
        while ((read = await content.ReadAtLeastAsync(buffer.AsMemory(4), _options.ChunkBytes, throwOnEndOfStream: false, cancellationToken)) > 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
            await stream.WriteAsync(buffer.AsMemory(0, 4 + read), cancellationToken);
        }
        await stream.WriteAsync(new byte[4], cancellationToken);
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var reply = new byte[MaxReplyBytes];
        var length = 0;
        while (length < reply.Length)
        {
            var read = await stream.ReadAsync(reply.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }
            var end = Array.IndexOf(reply, (byte)0, length, read);
            length += read;
            if (end >= 0)
            {
                length = end;
                break;
            }
        }
        return Encoding.UTF8.GetString(reply, 0, length).Trim();
    }

    private ScanResult Parse(string reply)
    {
        const string prefix = "stream:";
        if (reply.Length == 0)
        {
            throw new VirusScanException($"clamd at {_options.Clamd} closed the connection without an answer.");
        }
        if (reply.Contains("size limit exceeded", StringComparison.OrdinalIgnoreCase))
        {
            throw new VirusScanException($"The file is larger than clamd at {_options.Clamd} accepts (its StreamMaxLength).") { Permanent = true };
        }
        var verdict = reply.StartsWith(prefix, StringComparison.Ordinal) ? reply[prefix.Length..].Trim() : reply;
        if (verdict == "OK")
        {
            return ScanResult.Clean;
        }
        if (verdict.EndsWith(" FOUND", StringComparison.Ordinal) && verdict.Length > " FOUND".Length)
        {
            var signature = verdict[..^" FOUND".Length].Trim();
            LogFound(logger, signature);
            return new ScanResult(signature);
        }
        throw new VirusScanException($"clamd at {_options.Clamd} answered: {reply}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "clamd found {Signature}")]
    private static partial void LogFound(ILogger logger, string signature);
}

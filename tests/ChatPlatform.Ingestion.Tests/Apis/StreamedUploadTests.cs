using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ChatPlatform.Identity;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Apis;

/// <summary>
/// Uploads over a real socket that sends only the start of a large body and then holds the rest back: the answer can
/// only come if the service reads the body as it arrives and stops at the limit, rather than waiting for all of it.
/// </summary>
[Collection(nameof(FilesCollection))]
public sealed class StreamedUploadTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    // Under the largest file allowed (the request size Kestrel enforces), over the 1 MB limit of the kind under test.
    private const int Declared = 8 * 1024 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("text", "Files:MaxTextBytes")]
    [InlineData("image", "Files:MaxImageBytes")]
    [InlineData("document", "Files:MaxDocumentBytes")]
    public async Task A_body_over_its_kinds_limit_is_refused_at_the_limit_while_the_client_still_sends(string kind, string setting)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string> { [setting] = "1048576" }, kestrel: true);
        var userId = Guid.NewGuid();

        var (status, body, sent) = await PostHeldBackAsync(host, userId, kind, sendBeforeHold: 3 * 1024 * 1024);

        Assert.Equal(413, status);
        Assert.True(body.Contains($"1 MB allowed for a {kind} file", StringComparison.Ordinal), body);
        Assert.InRange(sent, 1024 * 1024, 3 * 1024 * 1024 + 1024);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Fact]
    public async Task An_unsupported_type_is_refused_at_its_first_bytes_while_the_client_still_sends()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, kestrel: true);
        var userId = Guid.NewGuid();

        var (status, body, _) = await PostHeldBackAsync(host, userId, "binary", sendBeforeHold: 1024 * 1024);

        Assert.Equal(415, status);
        Assert.Contains("not a type accepted here", body, StringComparison.Ordinal);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
    }

    /// <summary>
    /// Announces a <see cref="Declared"/>-byte upload, sends the part's head and <paramref name="sendBeforeHold"/> bytes
    /// of the file, and never more; returns the status and body of the answer and how much was sent when it came.
    /// </summary>
    private static async Task<(int Status, string Body, long Sent)> PostHeldBackAsync(IngestionHost host, Guid userId, string kind, int sendBeforeHold)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var socket = new TcpClient();
        await socket.ConnectAsync(host.BaseAddress!.Host, host.BaseAddress.Port, timeout.Token);
        var stream = socket.GetStream();
        var token = InternalTokens.Mint(InternalRoles.User, userId);
        var head = Encoding.ASCII.GetBytes(
            $"POST /v1/files HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\n"
            + $"Content-Type: multipart/form-data; boundary={Samples.Boundary}\r\nContent-Length: {Declared.ToString(CultureInfo.InvariantCulture)}\r\n\r\n"
            + $"--{Samples.Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n");
        byte[] start = kind switch
        {
            "image" => Samples.Png(16),
            "document" => Samples.Pdf(16),
            "binary" => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            _ => Encoding.ASCII.GetBytes(new string('a', 16)),
        };
        long sent = 0;
        var sender = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(head, timeout.Token);
                await stream.WriteAsync(start, timeout.Token);
                var chunk = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
                while (Interlocked.Read(ref sent) < sendBeforeHold)
                {
                    await stream.WriteAsync(chunk, timeout.Token);
                    Interlocked.Add(ref sent, chunk.Length);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The service closed the connection after answering: the rest was never wanted.
            }
        }, timeout.Token);

        // The service answers, then closes or resets the connection; read until the answer is whole (chunked: its last chunk).
        using var answer = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while (!Encoding.ASCII.GetString(answer.ToArray()).EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)
                && (read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (answer.Length > 0)
        {
            // Reset after the answer: what matters is that it came.
        }
        var sentWhenAnswered = Interlocked.Read(ref sent);
        await sender;
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var status = int.Parse(text.Split(' ', 3)[1], CultureInfo.InvariantCulture);
        return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..], sentWhenAnswered);
    }
}

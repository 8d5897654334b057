using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatPlatform.Ingestion.Scanning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Ingestion.Tests.Scanning;

public sealed class ClamdScannerTests
{
    private static ClamdScanner Scanner(string endpoint, TimeProvider? time = null, int chunkBytes = 64 * 1024) =>
        new(Options.Create(new VirusScanOptions { Clamd = endpoint, ChunkBytes = chunkBytes, Timeout = TimeSpan.FromSeconds(30) }),
            time ?? TimeProvider.System, NullLogger<ClamdScanner>.Instance);

    private static MemoryStream Bytes(int length, string? embed = null)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        if (embed is not null)
        {
            Encoding.ASCII.GetBytes(embed).CopyTo(bytes, length / 2);
        }
        return new MemoryStream(bytes);
    }

    [Fact]
    public async Task A_clean_file_is_streamed_in_length_prefixed_chunks_and_passes()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);
        var content = Bytes(150_000);

        var result = await Scanner(clamd.Endpoint, chunkBytes: 65_536).ScanAsync(content, TestContext.Current.CancellationToken);

        Assert.True(result.IsClean);
        Assert.Same(ScanResult.Clean, result);
        Assert.Equal("zINSTREAM\0", clamd.Command);
        Assert.Equal([65_536, 65_536, 18_928], clamd.ChunkLengths);
        Assert.Equal(content.ToArray(), clamd.Received.ToArray());
    }

    [Fact]
    public async Task The_EICAR_test_file_is_found_and_named()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);

        var result = await Scanner(clamd.Endpoint).ScanAsync(Bytes(10_000, FakeClamd.Eicar), TestContext.Current.CancellationToken);

        Assert.False(result.IsClean);
        Assert.Equal("Eicar-Test-Signature", result.Signature);
    }

    [Fact]
    public async Task An_empty_file_is_scanned_too()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);

        var result = await Scanner(clamd.Endpoint).ScanAsync(new MemoryStream(), TestContext.Current.CancellationToken);

        Assert.True(result.IsClean);
        Assert.Empty(clamd.ChunkLengths);
    }

    [Fact]
    public async Task An_error_answer_is_a_scan_exception_that_quotes_it()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Error);

        var error = await Assert.ThrowsAsync<VirusScanException>(() => Scanner(clamd.Endpoint).ScanAsync(Bytes(1000), TestContext.Current.CancellationToken));

        Assert.Equal($"clamd at {clamd.Endpoint} answered: stream: Can't allocate memory ERROR", error.Message);
    }

    [Fact]
    public async Task A_file_over_clamds_stream_limit_is_a_scan_exception_that_says_so()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan, sizeLimit: 100_000);

        var error = await Assert.ThrowsAsync<VirusScanException>(() =>
            Scanner(clamd.Endpoint, chunkBytes: 16_384).ScanAsync(Bytes(8 * 1024 * 1024), TestContext.Current.CancellationToken));

        Assert.Equal($"The file is larger than clamd at {clamd.Endpoint} accepts (its StreamMaxLength).", error.Message);
    }

    [Fact]
    public async Task A_clamd_that_never_answers_times_out()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.NeverAnswer);
        var time = new FakeTimeProvider();

        var scan = Scanner(clamd.Endpoint, time).ScanAsync(Bytes(1000), TestContext.Current.CancellationToken);
        await clamd.StreamEnded.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(scan.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<VirusScanException>(() => scan);
        Assert.Equal($"clamd at {clamd.Endpoint} did not answer within 30 seconds.", error.Message);
    }

    [Fact]
    public async Task A_connection_dropped_mid_stream_is_a_scan_exception()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.DropMidStream);

        var error = await Assert.ThrowsAsync<VirusScanException>(() =>
            Scanner(clamd.Endpoint, chunkBytes: 16_384).ScanAsync(Bytes(8 * 1024 * 1024), TestContext.Current.CancellationToken));

        Assert.Contains("dropped the connection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_clamd_is_a_scan_exception()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();

        var error = await Assert.ThrowsAsync<VirusScanException>(() => Scanner(endpoint).ScanAsync(Bytes(10), TestContext.Current.CancellationToken));

        Assert.Equal($"clamd at {endpoint} could not be reached or dropped the connection.", error.Message);
        Assert.IsType<SocketException>(error.InnerException);
    }
}

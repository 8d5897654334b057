using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatPlatform.Ingestion.Tests.Scanning;

/// <summary>
/// A real TCP server speaking clamd's INSTREAM protocol on a loopback port. It reassembles what it receives, finds the
/// EICAR test string as clamd would, and can instead answer an error, never answer, refuse a stream past a size limit,
/// or drop the connection mid-stream.
/// </summary>
internal sealed class FakeClamd : IAsyncDisposable
{
    // Built at run time so no scanner on a developer's machine quarantines this source file.
    public static readonly string Eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FakeClamd(Behaviour behaviour, int sizeLimit = int.MaxValue)
    {
        Mode = behaviour;
        SizeLimit = sizeLimit;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public enum Behaviour
    {
        Scan,
        Error,
        NeverAnswer,
        DropMidStream,
    }

    public Behaviour Mode { get; }

    public int SizeLimit { get; }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The command and the bytes of the last stream, reassembled from its chunks, with each chunk's length.</summary>
    public string? Command { get; private set; }

    public MemoryStream Received { get; } = new();

    public List<int> ChunkLengths { get; } = [];

    /// <summary>Completes when the terminating zero-length chunk has arrived.</summary>
    public TaskCompletionSource StreamEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A stream holding this text is answered only once <see cref="Release"/> completes.</summary>
    public const string HoldMarker = "HOLD-THIS-SCAN";

    /// <summary>Completes when a stream holding <see cref="HoldMarker"/> has arrived and waits.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Disposed: the cancellation, or the listener's stop racing it, ends the pending accept.
                return;
            }
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket);
        try
        {
            var command = new byte[10];
            await stream.ReadExactlyAsync(command, _stop.Token);
            Command = Encoding.ASCII.GetString(command);
            var header = new byte[4];
            var own = new MemoryStream();
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length == 0)
                {
                    break;
                }
                var chunk = new byte[length];
                await stream.ReadExactlyAsync(chunk, _stop.Token);
                ChunkLengths.Add(length);
                Received.Write(chunk);
                own.Write(chunk);
                if (Mode == Behaviour.DropMidStream)
                {
                    // An abortive close (RST), as when clamd crashes or a proxy cuts the line.
                    socket.LingerState = new LingerOption(true, 0);
                    return;
                }
                if (Received.Length > SizeLimit)
                {
                    await stream.WriteAsync("INSTREAM size limit exceeded. ERROR\0"u8.ToArray(), _stop.Token);
                    return;
                }
            }
            StreamEnded.TrySetResult();
            if (Encoding.ASCII.GetString(own.ToArray()).Contains(HoldMarker, StringComparison.Ordinal))
            {
                Holding.TrySetResult();
                await Release.Task.WaitAsync(_stop.Token);
            }
            var reply = Mode switch
            {
                Behaviour.Error => "stream: Can't allocate memory ERROR",
                Behaviour.NeverAnswer => null,
                _ when Encoding.ASCII.GetString(Received.ToArray()).Contains(Eicar, StringComparison.Ordinal) => "stream: Eicar-Test-Signature FOUND",
                _ => "stream: OK",
            };
            if (reply is null)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\0"), _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException)
        {
            // The client went away or the test ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

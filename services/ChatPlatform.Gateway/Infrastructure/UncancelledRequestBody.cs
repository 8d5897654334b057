namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// The client's request body as the forwarder reads it, with each read left to finish (on data, the body's end or the
/// connection's end) rather than cancelled. Over HTTP/2 the upstream's early answer (415, 404 before reading the body)
/// cancels the copy of the body; a cancelled read leaves Kestrel's HTTP/1.1 body reader "already reading", so it cannot
/// drain the rest after the answer and closes the connection, which the client had been told to keep: its next request
/// on that connection then fails ("the response ended prematurely").
/// </summary>
internal sealed class UncancelledRequestBody(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, CancellationToken.None);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

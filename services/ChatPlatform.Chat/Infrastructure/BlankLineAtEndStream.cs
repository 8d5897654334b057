using System.Runtime.CompilerServices;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The router's stream followed by a blank line once it ends. <see cref="System.Net.ServerSentEvents.SseParser"/>, as
/// the SSE spec says, drops an event the stream ends in the middle of; a last line the router sent without its
/// newline (<c>data: [DONE]</c> above all) has always been read, and still is. After a whole last event the blank line
/// dispatches nothing. Read-only; the inner stream stays its owner's to dispose.
/// </summary>
internal sealed class BlankLineAtEndStream(Stream inner) : Stream
{
    private static ReadOnlySpan<byte> BlankLine => "\n\n"u8;

    private bool _innerEnded;
    private int _blankLineWritten;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => _innerEnded ? WriteBlankLine(buffer) : AfterRead(inner.Read(buffer), buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_innerEnded)
        {
            return new ValueTask<int>(WriteBlankLine(buffer.Span));
        }
        var read = inner.ReadAsync(buffer, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<int>(AfterRead(read.Result, buffer.Span)) : AwaitReadAsync(read, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Most reads of a live stream wait for the next token: the pooling builder keeps those from allocating a box each.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> read, Memory<byte> buffer) =>
        AfterRead(await read.ConfigureAwait(false), buffer.Span);

    private int AfterRead(int read, Span<byte> buffer)
    {
        // Zero bytes into an empty buffer is a zero-byte read, not the end.
        if (read > 0 || buffer.IsEmpty)
        {
            return read;
        }
        _innerEnded = true;
        return WriteBlankLine(buffer);
    }

    private int WriteBlankLine(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, BlankLine.Length - _blankLineWritten);
        BlankLine.Slice(_blankLineWritten, count).CopyTo(buffer);
        _blankLineWritten += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

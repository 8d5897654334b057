using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Tells a file's type from its bytes as they stream past: magic numbers at the start (PDF, PNG, JPEG, GIF, WebP, ZIP),
/// otherwise text, which must be valid UTF-8 without NUL from the first byte to the last. The type of a binary file is
/// known after its first <see cref="HeadLength"/> bytes; a text file stops being text at its first bad byte.
/// </summary>
public sealed class FileTypeSniffer
{
    /// <summary>Enough for every signature checked (WebP's is 12 bytes).</summary>
    public const int HeadLength = 12;

    private readonly byte[] _head = new byte[HeadLength];
    private readonly byte[] _pending = new byte[4];
    private readonly char[] _chars = new char[4096];
    private int _headLength;
    private int _pendingLength;
    private FileType? _binary;
    private bool _decided;
    private bool _notText;

    /// <summary>The type as far as the bytes seen tell it: a binary type once decided, text while it stays valid.</summary>
    public FileType? Candidate => _notText ? null : _decided ? _binary ?? FileType.Text : null;

    /// <summary>True once the bytes can be no type accepted here (not a known signature, not UTF-8 text).</summary>
    public bool Rejected => _notText;

    public void Observe(ReadOnlySpan<byte> bytes)
    {
        if (_notText)
        {
            return;
        }
        if (!_decided)
        {
            var take = Math.Min(HeadLength - _headLength, bytes.Length);
            bytes[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
            if (_headLength == HeadLength)
            {
                Decide();
                if (_binary is null)
                {
                    ObserveText(_head);
                }
                ObserveRest(bytes[take..]);
                return;
            }
            return;
        }
        ObserveRest(bytes);
    }

    /// <summary>The type once every byte has been seen; null when it is none accepted here or there were no bytes.</summary>
    public FileType? Finish()
    {
        if (!_decided)
        {
            if (_headLength == 0)
            {
                return null;
            }
            Decide();
            if (_binary is null)
            {
                ObserveText(_head.AsSpan(0, _headLength));
            }
        }
        if (_binary is not null)
        {
            return _binary;
        }
        // A multi-byte sequence cut off by the end of the file is not valid UTF-8.
        return _notText || _pendingLength > 0 ? null : FileType.Text;
    }

    private void ObserveRest(ReadOnlySpan<byte> bytes)
    {
        if (_binary is null && bytes.Length > 0)
        {
            ObserveText(bytes);
        }
    }

    private void Decide()
    {
        _decided = true;
        _binary = Signature(_head.AsSpan(0, _headLength));
    }

    private static FileType? Signature(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("%PDF-"u8))
        {
            return FileType.Pdf;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return FileType.Png;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return FileType.Jpeg;
        }
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return FileType.Gif;
        }
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return FileType.WebP;
        }
        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            return FileType.Zip;
        }
        return null;
    }

    // Decodes to nowhere in pieces: a sequence split across two reads is carried over in _pending.
    private void ObserveText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0))
        {
            _notText = true;
            return;
        }
        if (_pendingLength > 0)
        {
            var joined = new byte[_pendingLength + Math.Min(bytes.Length, 4)];
            _pending.AsSpan(0, _pendingLength).CopyTo(joined);
            var extra = joined.Length - _pendingLength;
            bytes[..extra].CopyTo(joined.AsSpan(_pendingLength));
            var status = Utf8.ToUtf16(joined, _chars, out var read, out _, replaceInvalidSequences: false, isFinalBlock: false);
            if (status == OperationStatus.InvalidData)
            {
                _notText = true;
                return;
            }
            if (read < _pendingLength)
            {
                // Still incomplete with up to four more bytes: only possible when the input ran out.
                var carried = joined.AsSpan(read);
                carried.CopyTo(_pending);
                _pendingLength = carried.Length;
                return;
            }
            bytes = bytes[(read - _pendingLength)..];
            _pendingLength = 0;
        }
        while (bytes.Length > 0)
        {
            var status = Utf8.ToUtf16(bytes, _chars, out var read, out _, replaceInvalidSequences: false, isFinalBlock: false);
            switch (status)
            {
                case OperationStatus.InvalidData:
                    _notText = true;
                    return;
                case OperationStatus.NeedMoreData:
                    bytes[read..].CopyTo(_pending);
                    _pendingLength = bytes.Length - read;
                    return;
                default:
                    bytes = bytes[read..];
                    break;
            }
        }
    }
}

using System.Buffers.Binary;
using System.Buffers.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Where a page of conversations ended: the last (starred, updated_at, id), the list's order. Opaque to clients (base64url).
/// A cursor from before pinning (no starred byte) reads as unstarred: nothing was starred then.
/// </summary>
public sealed record ConversationCursor(bool Starred, DateTimeOffset UpdatedAt, Guid Id)
{
    private const int Length = 1 + 8 + 16;
    private const int UnpinnedLength = 8 + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Starred ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], UpdatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[9..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, out ConversationCursor? cursor)
    {
        cursor = null;
        Span<byte> buffer = stackalloc byte[Length + 3];
        // TryDecodeFromChars throws on characters outside base64url (a cursor of "../../"); only a short destination is false.
        if (!Base64Url.IsValid(text, out var decodedLength) || decodedLength is not (Length or UnpinnedLength)
            || !Base64Url.TryDecodeFromChars(text, buffer, out var written) || written != decodedLength)
        {
            return false;
        }
        ReadOnlySpan<byte> bytes = buffer[..written];
        var starred = false;
        if (written == Length)
        {
            if (bytes[0] > 1)
            {
                return false;
            }
            starred = bytes[0] == 1;
            bytes = bytes[1..];
        }
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }
        cursor = new ConversationCursor(starred, new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..UnpinnedLength], bigEndian: true));
        return true;
    }
}

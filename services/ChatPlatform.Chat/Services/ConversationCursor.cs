using System.Buffers.Binary;
using System.Buffers.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>Where a page of conversations ended: the last (updated_at, id). Opaque to clients (base64url).</summary>
public sealed record ConversationCursor(DateTimeOffset UpdatedAt, Guid Id)
{
    private const int Length = 8 + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, UpdatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, out ConversationCursor? cursor)
    {
        cursor = null;
        Span<byte> bytes = stackalloc byte[Length + 3];
        // TryDecodeFromChars throws on characters outside base64url (a cursor of "../../"); only a short destination is false.
        if (!Base64Url.IsValid(text, out var decodedLength) || decodedLength != Length
            || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != Length)
        {
            return false;
        }
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }
        cursor = new ConversationCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..Length], bigEndian: true));
        return true;
    }
}

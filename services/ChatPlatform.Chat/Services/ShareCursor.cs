using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>Where a page of shares ended: the last (created_at, share id), the list's order. Opaque to clients (base64url).</summary>
public sealed record ShareCursor(DateTimeOffset CreatedAt, string ShareId)
{
    private const int Length = 8 + ShareRules.IdLength;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        Encoding.ASCII.GetBytes(ShareId, bytes[8..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, out ShareCursor? cursor)
    {
        cursor = null;
        Span<byte> buffer = stackalloc byte[Length + 3];
        if (!Base64Url.IsValid(text, out var decodedLength) || decodedLength != Length
            || !Base64Url.TryDecodeFromChars(text, buffer, out var written) || written != Length)
        {
            return false;
        }
        var ticks = BinaryPrimitives.ReadInt64BigEndian(buffer);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }
        var id = Encoding.ASCII.GetString(buffer[8..Length]);
        if (!ShareRules.IsWellFormed(id))
        {
            return false;
        }
        cursor = new ShareCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }
}

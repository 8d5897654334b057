using System.Buffers.Binary;
using System.Buffers.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Where a page of search results ended: the last (fused score, id), the results' order. The score is kept as its exact
/// bits, so the next page starts exactly after it. Opaque to clients (base64url).
/// </summary>
public sealed record SearchCursor(double Rank, Guid Id)
{
    private const int Length = 8 + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, Rank);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, out SearchCursor? cursor)
    {
        cursor = null;
        Span<byte> buffer = stackalloc byte[Length + 3];
        // TryDecodeFromChars throws on characters outside base64url; only a short destination is false.
        if (!Base64Url.IsValid(text, out var decodedLength) || decodedLength != Length
            || !Base64Url.TryDecodeFromChars(text, buffer, out var written) || written != Length)
        {
            return false;
        }
        var rank = BinaryPrimitives.ReadDoubleBigEndian(buffer);
        if (!double.IsFinite(rank) || rank < 0)
        {
            return false;
        }
        cursor = new SearchCursor(rank, new Guid(buffer[8..Length], bigEndian: true));
        return true;
    }
}

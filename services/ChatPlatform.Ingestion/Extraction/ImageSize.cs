using System.Buffers.Binary;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// An image's size read from its header, without decoding it: a few hundred bytes of PNG can claim a canvas of gigapixels,
/// which must be refused before a decoder allocates it.
/// </summary>
public readonly record struct ImageSize(int Width, int Height)
{
    public long Pixels => (long)Width * Height;

    /// <summary>Null when the bytes are not a PNG, JPEG, GIF or WebP whose header this understands.</summary>
    public static ImageSize? Read(ReadOnlySpan<byte> header) =>
        header switch
        {
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] when header.Length >= 24 =>
                new ImageSize(BinaryPrimitives.ReadInt32BigEndian(header[16..]), BinaryPrimitives.ReadInt32BigEndian(header[20..])),
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', _, (byte)'a', ..] when header.Length >= 10 =>
                new ImageSize(BinaryPrimitives.ReadUInt16LittleEndian(header[6..]), BinaryPrimitives.ReadUInt16LittleEndian(header[8..])),
            [0xFF, 0xD8, ..] => ReadJpeg(header),
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => ReadWebP(header),
            _ => null,
        };

    // Walks the JPEG segments to the first start-of-frame marker, which holds the size.
    private static ImageSize? ReadJpeg(ReadOnlySpan<byte> data)
    {
        var at = 2;
        while (at + 9 <= data.Length)
        {
            if (data[at] != 0xFF)
            {
                return null;
            }
            var marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return new ImageSize(BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            }
            if (length < 2)
            {
                return null;
            }
            at += 2 + length;
        }
        return null;
    }

    private static ImageSize? ReadWebP(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30)
        {
            return null;
        }
        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            return new ImageSize(1 + ReadUInt24(data[24..]), 1 + ReadUInt24(data[27..]));
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return new ImageSize((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8 "u8))
        {
            return new ImageSize(BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF);
        }
        return null;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> data) => data[0] | (data[1] << 8) | (data[2] << 16);
}

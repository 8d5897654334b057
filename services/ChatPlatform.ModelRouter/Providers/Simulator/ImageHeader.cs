using System.Buffers.Binary;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>An image's format and pixel size, read from its header (PNG, JPEG, GIF, WebP) without decoding it.</summary>
internal readonly record struct ImageHeader(string Format, int Width, int Height)
{
    public static ImageHeader? Read(ReadOnlySpan<byte> data)
    {
        // Not a u8 literal: 0x89 is not a character UTF-8 encodes as one byte.
        ReadOnlySpan<byte> png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (data.StartsWith(png))
        {
            // The IHDR chunk comes first: its width and height, big-endian, after the chunk's length and type.
            return data.Length >= 24 && data[12..16].SequenceEqual("IHDR"u8)
                ? new ImageHeader("PNG", BinaryPrimitives.ReadInt32BigEndian(data[16..]), BinaryPrimitives.ReadInt32BigEndian(data[20..]))
                : null;
        }
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return data.Length >= 10
                ? new ImageHeader("GIF", BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]))
                : null;
        }
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ReadJpeg(data);
        }
        if (data.Length >= 16 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return ReadWebP(data);
        }
        return null;
    }

    /// <summary>Walks the segments to the first start-of-frame, whose header holds the height and width.</summary>
    private static ImageHeader? ReadJpeg(ReadOnlySpan<byte> data)
    {
        var at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF)
            {
                return null;
            }
            var marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++; // a fill byte
                continue;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // markers without a length
                continue;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return at + 9 <= data.Length
                    ? new ImageHeader("JPEG", BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]))
                    : null;
            }
            if (length < 2)
            {
                return null;
            }
            at += 2 + length;
        }
        return null;
    }

    private static ImageHeader? ReadWebP(ReadOnlySpan<byte> data)
    {
        var chunk = data[12..16];
        if (chunk.SequenceEqual("VP8X"u8) && data.Length >= 30)
        {
            // Canvas width and height minus one, 24 bits each, little-endian.
            return new ImageHeader("WebP", 1 + ReadUInt24(data[24..]), 1 + ReadUInt24(data[27..]));
        }
        if (chunk.SequenceEqual("VP8L"u8) && data.Length >= 25 && data[20] == 0x2F)
        {
            // 14 bits each of width and height minus one, after the signature byte.
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return new ImageHeader("WebP", 1 + (int)(bits & 0x3FFF), 1 + (int)((bits >> 14) & 0x3FFF));
        }
        if (chunk.SequenceEqual("VP8 "u8) && data.Length >= 30 && data[23] == 0x9D && data[24] == 0x01 && data[25] == 0x2A)
        {
            // After the key frame's start code: 14 bits of width and of height (the top two bits are scaling).
            return new ImageHeader("WebP", BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF);
        }
        return null;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> data) => data[0] | (data[1] << 8) | (data[2] << 16);
}

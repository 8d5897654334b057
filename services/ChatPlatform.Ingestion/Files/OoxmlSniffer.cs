using System.Buffers.Binary;
using System.Text;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Tells DOCX, XLSX and PPTX from any other ZIP by the part names in the archive's central directory (at its end, so
/// the whole file need not be read): an OOXML package has <c>[Content_Types].xml</c> and its main part
/// (<c>word/document.xml</c>, <c>xl/workbook.xml</c>, <c>ppt/presentation.xml</c>). Nothing is decompressed here.
/// </summary>
public static class OoxmlSniffer
{
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint CentralDirectoryEntry = 0x02014b50;
    private const int EndRecordLength = 22;
    private const int MaxCommentLength = ushort.MaxValue;

    /// <summary>A central directory larger than this is not a document a person uploads; refusing it bounds the read.</summary>
    public const int MaxCentralDirectoryBytes = 4 * 1024 * 1024;

    /// <summary>The document type, or null when the archive is not an OOXML package (or not a well-formed ZIP).</summary>
    /// <param name="readRange">Reads <c>length</c> bytes at <c>offset</c> of the file.</param>
    public static async Task<FileType?> SniffAsync(long size, Func<long, int, CancellationToken, Task<byte[]>> readRange, CancellationToken cancellationToken)
    {
        if (size < EndRecordLength)
        {
            return null;
        }
        var tailLength = (int)Math.Min(size, EndRecordLength + MaxCommentLength);
        var tail = await readRange(size - tailLength, tailLength, cancellationToken);
        var end = FindEndRecord(tail);
        if (end < 0)
        {
            return null;
        }
        var record = tail.AsSpan(end);
        var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        var directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        // 0xFFFFFFFF marks ZIP64, which no office suite writes for files of the sizes accepted here.
        if (directorySize == uint.MaxValue || directoryOffset == uint.MaxValue || directorySize > MaxCentralDirectoryBytes
            || directoryOffset + (long)directorySize > size)
        {
            return null;
        }
        var directory = await readRange(directoryOffset, (int)directorySize, cancellationToken);
        return Classify(PartNames(directory));
    }

    private static int FindEndRecord(byte[] tail)
    {
        for (var at = tail.Length - EndRecordLength; at >= 0; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at)) == EndOfCentralDirectory)
            {
                return at;
            }
        }
        return -1;
    }

    private static HashSet<string> PartNames(byte[] directory)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var span = directory.AsSpan();
        while (span.Length >= 46 && BinaryPrimitives.ReadUInt32LittleEndian(span) == CentralDirectoryEntry)
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(span[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(span[32..]);
            var entryLength = 46 + nameLength + extraLength + commentLength;
            if (entryLength > span.Length)
            {
                break;
            }
            names.Add(Encoding.UTF8.GetString(span.Slice(46, nameLength)));
            span = span[entryLength..];
        }
        return names;
    }

    private static FileType? Classify(HashSet<string> names)
    {
        if (!names.Contains("[Content_Types].xml"))
        {
            return null;
        }
        return names.Contains("word/document.xml") ? FileType.Docx
            : names.Contains("xl/workbook.xml") ? FileType.Xlsx
            : names.Contains("ppt/presentation.xml") ? FileType.Pptx
            : null;
    }
}

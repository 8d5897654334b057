using System.Text;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>Decodes text files: UTF-8 unless a byte-order mark says UTF-16; bytes that are not valid become U+FFFD.</summary>
public static class PlainTextReader
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <exception cref="ExtractionException">The file is binary, or longer than <paramref name="maxCharacters"/>.</exception>
    public static async Task<string> ReadAsync(string path, int maxCharacters, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        var head = new byte[Math.Min(8192, file.Length)];
        await file.ReadExactlyAsync(head, cancellationToken);
        file.Position = 0;
        var hasBom = head is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..];
        // Text never holds NUL; a file that does is binary under a text type (and PostgreSQL refuses NUL in text).
        if (!hasBom && Array.IndexOf(head, (byte)0) >= 0)
        {
            throw new ExtractionException("The file is not text: it holds binary data.");
        }

        using var reader = new StreamReader(file, Utf8, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[Math.Min(maxCharacters + 1L, 1 << 20)];
        var text = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > maxCharacters)
            {
                throw new ExtractionException($"The file holds more than {maxCharacters:N0} characters of text.");
            }
        }
        return text.ToString();
    }
}

using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace ChatPlatform.Ingestion.Tests;

/// <summary>Files with the signatures the service sniffs, and multipart bodies built byte by byte (hostile ones too).</summary>
public static class Samples
{
    public const string Boundary = "----test-boundary-7MA4YWxkTrZu0gW";

    /// <summary>"%PDF-" and random bytes: a PDF as far as its magic number goes.</summary>
    public static byte[] Pdf(int size = 4096) => WithHead("%PDF-1.7\n"u8, size);

    public static byte[] Png(int size = 1024) => WithHead([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], size);

    public static byte[] Jpeg(int size = 1024) => WithHead([0xFF, 0xD8, 0xFF, 0xE0], size);

    public static byte[] Gif(int size = 1024) => WithHead("GIF89a"u8, size);

    public static byte[] WebP(int size = 1024) => WithHead("RIFF\0\0\0\0WEBPVP8 "u8, size);

    /// <summary>An OOXML package: [Content_Types].xml, the main part named, and some filler so parts are not all at the start.</summary>
    public static byte[] Ooxml(string mainPart) => Zip("[Content_Types].xml", "docProps/core.xml", mainPart);

    public static byte[] Zip(params string[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(RandomNumberGenerator.GetBytes(2048));
            }
        }
        return buffer.ToArray();
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A well-formed upload: one part named "file".</summary>
    public static HttpContent Upload(byte[] file, string fileName = "file.bin", string partContentType = "application/octet-stream")
    {
        var content = new MultipartFormDataContent(Boundary);
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(partContentType);
        content.Add(part, "file", fileName);
        return content;
    }

    /// <summary>A multipart body exactly as given: the parts' raw header lines and bodies, then the closing boundary unless <paramref name="close"/> is false.</summary>
    public static HttpContent Raw(IEnumerable<(string Headers, byte[] Body)> parts, bool close = true, string contentType = $"multipart/form-data; boundary={Boundary}")
    {
        using var body = new MemoryStream();
        foreach (var (headers, bytes) in parts)
        {
            body.Write(Encoding.UTF8.GetBytes($"--{Boundary}\r\n{headers}\r\n\r\n"));
            body.Write(bytes);
            body.Write("\r\n"u8);
        }
        if (close)
        {
            body.Write(Encoding.UTF8.GetBytes($"--{Boundary}--\r\n"));
        }
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    public static (string Headers, byte[] Body) Part(byte[] body, string name = "file", string fileNameParameter = "filename=\"a.txt\"") =>
        ($"Content-Disposition: form-data; name=\"{name}\"; {fileNameParameter}\r\nContent-Type: application/octet-stream", body);

    private static byte[] WithHead(ReadOnlySpan<byte> head, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(Math.Max(size, head.Length));
        head.CopyTo(bytes);
        return bytes;
    }
}

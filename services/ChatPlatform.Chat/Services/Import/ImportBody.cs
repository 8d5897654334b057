using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChatPlatform.Chat.Services.Import;

/// <summary>
/// The bytes of an import: the body itself (JSON or a zip), or the part named <c>file</c> of a multipart/form-data body.
/// Read with a cap of <see cref="ImportLimits.MaxBytes"/> whatever the body declares, so an endless body costs no more.
/// </summary>
public static class ImportBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ImportLimits.MaxBytes + 64 * 1024)
        {
            throw TooLarge();
        }
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
            if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
            {
                throw new ImportRefusedException("file", "The multipart body has no boundary.");
            }
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, BodyLengthLimit = ImportLimits.MaxBytes + 1 };
            try
            {
                while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
                {
                    if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                        && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
                    {
                        return await ReadCappedAsync(section.Body, cancellationToken);
                    }
                }
            }
            catch (InvalidDataException)
            {
                // The reader's own limits (a section over the cap, headers too long) and a body that is not multipart.
                throw new ImportRefusedException("file", $"The multipart body cannot be read, or its file is larger than {ImportLimits.MaxBytes / (1024 * 1024)} MB.");
            }
            throw new ImportRefusedException("file", "The multipart body has no part named \"file\".");
        }
        return await ReadCappedAsync(request.Body, cancellationToken);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadCappedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (copy.Length + read > ImportLimits.MaxBytes)
            {
                throw TooLarge();
            }
            copy.Write(buffer, 0, read);
        }
        if (copy.Length == 0)
        {
            throw new ImportRefusedException("file", "The import is empty.");
        }
        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }

    private static ImportRefusedException TooLarge() =>
        new("file", $"An import is at most {ImportLimits.MaxBytes / (1024 * 1024)} MB; import a large export in parts.");
}

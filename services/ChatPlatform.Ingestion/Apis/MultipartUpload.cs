using ChatPlatform.Ingestion.Files;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChatPlatform.Ingestion.Apis;

/// <summary>
/// Reads <c>POST /v1/files</c>'s body as it arrives: <c>multipart/form-data</c> with exactly one part, named
/// <c>file</c>, whose body is streamed on without being buffered (no IFormFile, no form reader).
/// </summary>
public sealed class MultipartUpload
{
    // RFC 2046 caps a boundary at 70 characters.
    private const int MaxBoundaryLength = 70;

    private readonly MultipartReader _reader;

    private MultipartUpload(MultipartReader reader, MultipartSection section, string? fileName)
    {
        _reader = reader;
        Section = section;
        FileName = fileName;
    }

    public MultipartSection Section { get; }

    /// <summary>The name the client gave (<c>filename*</c> before <c>filename</c>), raw: display text at most.</summary>
    public string? FileName { get; }

    /// <summary>The file part, or the problem with the request.</summary>
    public static async Task<(MultipartUpload? Upload, UploadProblem? Problem)> OpenAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, UploadProblem.UnsupportedRequest("Send the file as multipart/form-data with one part named \"file\"."));
        }
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > MaxBoundaryLength)
        {
            return (null, UploadProblem.BadRequest("The multipart/form-data content type needs a boundary of 1 to 70 characters."));
        }
        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 16 * 1024, BodyLengthLimit = null };
        var section = await reader.ReadNextSectionAsync(cancellationToken);
        if (section is null)
        {
            return (null, UploadProblem.BadRequest("The request has no part named \"file\"."));
        }
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
        {
            return (null, UploadProblem.BadRequest("The request must have exactly one part, named \"file\"."));
        }
        var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
        return (new MultipartUpload(reader, section, fileName), null);
    }

    /// <summary>After the file part: the body must end there.</summary>
    public async Task<UploadProblem?> CheckNoMorePartsAsync(CancellationToken cancellationToken) =>
        await _reader.ReadNextSectionAsync(cancellationToken) is null
            ? null
            : UploadProblem.BadRequest("The request must have exactly one part, named \"file\".");
}

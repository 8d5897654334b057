using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Apis;

/// <summary>
/// The file routes a browser calls directly, because its tokens live on this server: <c>POST /api/files</c> (an upload
/// sent with XMLHttpRequest for its progress events), <c>GET /api/files/{id}/content</c> (a download) and
/// <c>GET /api/files/{id}/pages/{n}/image</c> (a PDF's page in FileView). All stream through to the gateway; none holds
/// a file in memory.
/// </summary>
public static partial class FilesApi
{
    /// <summary>The file's name, URI-encoded (a header carries ASCII only): the body is the file's bytes alone.</summary>
    public const string FileNameHeader = "X-File-Name";

    /// <summary>The antiforgery token's header (the default of <c>AntiforgeryOptions.HeaderName</c>).</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";

    // The headers of the file's answer that say what it is and how a browser may show it (docs/files.md).
    private static readonly string[] ContentHeaders = ["Content-Type", "Content-Length", "Content-Disposition", "Last-Modified", "ETag"];
    private static readonly string[] SafetyHeaders = ["X-Content-Type-Options", "Content-Security-Policy"];

    public static IEndpointRouteBuilder MapFilesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/files", UploadAsync);
        app.MapGet("/api/files/{id:guid}/content", ContentAsync);
        app.MapGet("/api/files/{id:guid}/pages/{page:int}/image", PageImageAsync);
        return app;
    }

    /// <summary>
    /// The body is the file itself, not a form: the antiforgery check then reads the token from its header and never
    /// buffers a multipart body to look for it in a form field.
    /// </summary>
    public static async Task<IResult> UploadAsync(
        HttpContext context, IAntiforgery antiforgery, SessionRefresher refresher, GatewayFileTransfer files, IOptions<FileUploadOptions> options,
        ILoggerFactory loggers)
    {
        var request = context.Request;
        if (request.HasFormContentType)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send the file's bytes as the body, not a form.");
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Problem(StatusCodes.Status400BadRequest, "The page's security token is missing or expired. Reload the page and try again.");
        }
        var name = FileNameFrom(request.Headers[FileNameHeader].ToString());
        if (name is null)
        {
            return Problem(StatusCodes.Status400BadRequest, $"Name the file in the {FileNameHeader} header.");
        }
        var max = options.Value.MaxUploadBytes;
        if (request.ContentLength > max)
        {
            return TooLarge(max);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        var cancellationToken = context.RequestAborted;
        try
        {
            var token = await UserSession.AccessTokenAsync(context.User, refresher, cancellationToken);
            using var response = await files.UploadAsync(
                token, request.Body, request.ContentLength, name, request.ContentType, request.Query["origin"].ToString(), cancellationToken);
            LogUploaded(loggers.CreateLogger(typeof(FilesApi)), (int)response.StatusCode, request.ContentLength);
            await RelayAsync(context, response, ["Content-Type"], cancellationToken);
            return Results.Empty;
        }
        catch (GatewayException e)
        {
            return Problem(e.Status == 0 ? StatusCodes.Status502BadGateway : e.Status, e.Message);
        }
        catch (Exception e) when (GatewayFileTransfer.IsBodyTooLarge(e))
        {
            return TooLarge(max);
        }
    }

    public static Task<IResult> ContentAsync(Guid id, HttpContext context, SessionRefresher refresher, GatewayFileTransfer files) =>
        RelayGetAsync(context, refresher, files, $"/v1/files/{id}/content");

    /// <summary>A PDF's page drawn as an image by ingestion: what FileView shows for a cited page.</summary>
    public static Task<IResult> PageImageAsync(Guid id, int page, HttpContext context, SessionRefresher refresher, GatewayFileTransfer files) =>
        RelayGetAsync(context, refresher, files, $"/v1/files/{id}/pages/{page}/image");

    /// <summary>
    /// A GET of the gateway's <paramref name="path"/> with the signed-in person's token, streamed back with its status,
    /// the headers that say what the body is and how a browser may show it, and its body: every download goes this way.
    /// </summary>
    internal static async Task<IResult> RelayGetAsync(HttpContext context, SessionRefresher refresher, GatewayFileTransfer files, string path)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            var token = await UserSession.AccessTokenAsync(context.User, refresher, cancellationToken);
            using var response = await files.OpenAsync(token, path, cancellationToken);
            await RelayAsync(context, response, response.IsSuccessStatusCode ? [.. ContentHeaders, .. SafetyHeaders] : ["Content-Type"], cancellationToken);
            return Results.Empty;
        }
        catch (GatewayException e)
        {
            return Problem(e.Status == 0 ? StatusCodes.Status502BadGateway : e.Status, e.Message);
        }
    }

    /// <summary>The gateway's status, the named headers and its body, as it arrives: its JSON, its problem or the file's bytes.</summary>
    private static async Task RelayAsync(HttpContext context, HttpResponseMessage response, IEnumerable<string> headers, CancellationToken cancellationToken)
    {
        var answer = context.Response;
        answer.StatusCode = (int)response.StatusCode;
        foreach (var header in headers)
        {
            if (response.Headers.TryGetValues(header, out var values) || response.Content.Headers.TryGetValues(header, out values))
            {
                answer.Headers[header] = values.ToArray();
            }
        }
        // The answer is one person's: never kept by a shared cache.
        answer.Headers.CacheControl = "private, no-store";
        await response.Content.CopyToAsync(answer.Body, cancellationToken);
    }

    /// <summary>The decoded name, or null when absent or not valid percent-encoding. Ingestion makes it display text.</summary>
    internal static string? FileNameFrom(string header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        try
        {
            var name = Uri.UnescapeDataString(header).Trim();
            return name.Length == 0 ? null : name;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static IResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, $"The file is too large: uploads here are limited to {max / (1024 * 1024):N0} MB.");

    private static IResult Problem(int status, string detail) => TypedResults.Problem(statusCode: status, detail: detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed an upload of {Length} bytes; the gateway answered {Status}")]
    private static partial void LogUploaded(ILogger logger, int status, long? length);
}

using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Model;
using ChatPlatform.Ingestion.Previews;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatPlatform.Ingestion.Apis;

/// <summary>
/// <c>/v1/files</c> (docs/files.md, Public API): a user's files. Ids of another user's files answer the same 404 as
/// unknown ones, never 403, so they are not confirmed to exist.
/// </summary>
public static class FilesApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    /// <summary>What a multipart request may carry beyond the file itself: boundaries and part headers.</summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    public const string OriginDetail = "The origin must be \"library\" (kept until deleted) or \"chat\" (deleted with its conversations).";

    public static IEndpointRouteBuilder MapFilesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/files").RequireCurrentUser();
        api.MapPost("/", UploadAsync);
        api.MapPost("/upload-url", CreateUploadUrlAsync);
        api.MapPost("/{id:guid}/complete", CompleteAsync);
        api.MapGet("/", ListAsync);
        api.MapGet("/{id:guid}", GetAsync);
        api.MapGet("/{id:guid}/content", GetContentAsync);
        api.MapGet("/{id:guid}/pages/{page:int}/image", GetPageImageAsync);
        api.MapDelete("/{id:guid}", DeleteAsync);
        return app;
    }

    public static async Task<Results<Created<StoredFile>, ProblemHttpResult>> UploadAsync(
        string? origin, HttpContext context, CurrentUser user, FileUploader uploader, IOptions<FilesOptions> options,
        CancellationToken cancellationToken)
    {
        if (FileOrigins.Parse(origin) is not { } knownOrigin)
        {
            return Refuse(context, UploadProblem.BadRequest(OriginDetail));
        }
        // Kestrel's default (30 MB) is below the largest document. The largest file and its multipart framing is the
        // backstop; the smaller limit of the file's kind, or what is left of the quota, applies while the bytes are read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.Value.MaxFileBytes + MultipartOverheadBytes;
        }
        try
        {
            var (upload, problem) = await MultipartUpload.OpenAsync(context.Request, cancellationToken);
            if (upload is null)
            {
                return Refuse(context, problem!);
            }
            var outcome = await uploader.UploadAsync(
                user.Id, user.Tier, upload.FileName, knownOrigin, upload.Section.Body, upload.CheckNoMorePartsAsync, cancellationToken);
            return outcome.File is { } file
                ? TypedResults.Created($"/v1/files/{file.Id}", file)
                : Refuse(context, outcome.Problem!);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (the whole body too large, too slow): its status, in our words.
            return Refuse(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new UploadProblem(e.StatusCode, "Request too large", "The request is larger than any file allowed here.")
                : new UploadProblem(e.StatusCode, "Bad request", "The request body could not be read."));
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            return Refuse(context, UploadProblem.BadRequest("The multipart/form-data body is malformed or ends early."));
        }
    }

    public static async Task<Results<Created<DirectUpload>, ValidationProblem, ProblemHttpResult>> CreateUploadUrlAsync(
        UploadUrlRequest request, CurrentUser user, FileUploader uploader, CancellationToken cancellationToken)
    {
        if (request.Size is not > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["size"] = ["The size in bytes is required and must be more than 0."] });
        }
        if (FileOrigins.Parse(request.Origin) is not { } origin)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["origin"] = [OriginDetail] });
        }
        var (url, problem) = await uploader.CreateUploadUrlAsync(user.Id, user.Tier, request.Name, request.Size.Value, origin, cancellationToken);
        return url is not null
            ? TypedResults.Created($"/v1/files/{url.File.Id}", url)
            : Problem(problem!);
    }

    public static async Task<Results<Ok<StoredFile>, NotFound, ProblemHttpResult>> CompleteAsync(
        Guid id, CurrentUser user, FileUploader uploader, CancellationToken cancellationToken) =>
        await uploader.CompleteAsync(user.Id, user.Tier, id, cancellationToken) switch
        {
            null => TypedResults.NotFound(),
            { File: { } file } => TypedResults.Ok(file),
            { Problem: var problem } => Problem(problem!),
        };

    public static async Task<Results<Ok<FilePage>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, CurrentUser user, FileStore store, FileUploader uploader, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"The limit must be between 1 and {MaxPageSize}."] });
        }
        var (files, nextBefore) = await store.ListAsync(user.Id, before, limit ?? DefaultPageSize, cancellationToken);
        var (bytes, count) = await store.UsageAsync(user.Id, cancellationToken);
        var quota = uploader.QuotaFor(user.Tier);
        return TypedResults.Ok(new FilePage(files, nextBefore, new FileUsage(bytes, count, quota.MaxBytes, quota.MaxFiles)));
    }

    public static async Task<Results<Ok<StoredFile>, NotFound>> GetAsync(
        Guid id, CurrentUser user, FileStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(user.Id, id, cancellationToken) is { } file ? TypedResults.Ok(file) : TypedResults.NotFound();

    /// <summary>
    /// The bytes, streamed from storage, under headers that keep a browser from running them: the sniffed type with
    /// nosniff, a sandbox policy, and an attachment unless they are a raster image. Quarantined bytes are never served.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> GetContentAsync(
        Guid id, HttpContext context, CurrentUser user, FileStore store, FileBlobs blobs, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(user.Id, id, cancellationToken) is not { } file)
        {
            return TypedResults.NotFound();
        }
        if (file.Status == FileStatuses.Quarantined)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "Quarantined",
                detail: "The virus scan found something in this file; its bytes are never served.");
        }
        if (file.Status == FileStatuses.Uploading || file.Sha256 is null)
        {
            return Problem(UploadProblem.NotUploaded);
        }
        if (await blobs.OpenContentAsync(user.Id, file.Sha256, cancellationToken) is not { } content)
        {
            return TypedResults.NotFound();
        }
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "sandbox";
        headers.CacheControl = "private, no-cache";
        var inline = file.Kind == FileKinds.Name(FileKind.Image);
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(file.Name);
        headers.ContentDisposition = disposition.ToString();
        context.Response.ContentLength = file.SizeBytes;
        var contentType = file.Kind == FileKinds.Name(FileKind.Text) ? "text/plain; charset=utf-8" : file.MediaType!;
        return TypedResults.Stream(content, contentType);
    }

    /// <summary>Page <paramref name="page"/> of a ready PDF as a PNG: where a citation opens (docs/files.md).</summary>
    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> GetPageImageAsync(
        Guid id, int page, HttpContext context, CurrentUser user, FileStore store, PdfPagePreviewer previewer, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(user.Id, id, cancellationToken) is not { } file)
        {
            return TypedResults.NotFound();
        }
        if (file.MediaType != MediaTypes.Pdf || file.Status != FileStatuses.Ready || file.Sha256 is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No page preview",
                detail: "Pages can be shown only for a PDF whose processing has finished.");
        }
        if (page < 1 || page > file.Pages)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such page",
                detail: $"The file has {file.Pages} page(s).");
        }
        if (await previewer.RenderAsync(user.Id, file, page, cancellationToken) is not { } png)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Page not shown",
                detail: "This page could not be drawn. The file itself can still be downloaded.");
        }
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "private, max-age=300";
        return TypedResults.File(png, "image/png");
    }

    public static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid id, CurrentUser user, FileUploader uploader, CancellationToken cancellationToken) =>
        await uploader.DeleteAsync(user.Id, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static ProblemHttpResult Problem(UploadProblem problem) =>
        TypedResults.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail);

    // A refused upload may leave much of its body unread: closing the connection spares reading (and the client sending) the rest.
    private static ProblemHttpResult Refuse(HttpContext context, UploadProblem problem)
    {
        if (HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
        return Problem(problem);
    }
}

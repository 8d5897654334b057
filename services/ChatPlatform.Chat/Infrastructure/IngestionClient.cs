using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Identity;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Ingestion's internal context API (<c>POST http://ingestion/v1/files/context</c>, docs/files.md "Internal API for chat"):
/// what the model should see of a turn's files. Each call carries a service token acting for the turn's user, so
/// ingestion answers 404 for a file of anyone else.
/// </summary>
public sealed partial class IngestionClient(IHttpClientFactory httpClientFactory, ILogger<IngestionClient> logger)
{
    public const string HttpClientName = "ingestion";

    public async Task<FileContextResult> GetContextAsync(Guid userId, FileContextRequest body, CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/files/context")
        {
            Content = JsonContent.Create(body, options: JsonDefaults.Options),
        };
        request.Options.Set(InternalTokenHandler.ActingFor, userId);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    // An ingestion older than the unavailable list sends none: nothing was left out.
                    var context = await response.Content.ReadFromJsonAsync<FileContext>(JsonDefaults.Options, cancellationToken) is { } read
                        ? read with { Unavailable = read.Unavailable ?? [] }
                        : null;
                    return context is not null && IsWhole(context, body)
                        ? new FileContextResult.Found(context)
                        : Unavailable(null, "its answer did not describe every file asked for");
                case HttpStatusCode.NotFound:
                    return new FileContextResult.NotFound(await DetailAsync(response, "An attached file was not found.", cancellationToken));
                case HttpStatusCode.Conflict:
                    return new FileContextResult.NotReady(await DetailAsync(response, "An attached file is not ready yet.", cancellationToken));
                default:
                    return Unavailable(null, $"it answered {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or JsonException
            or NotSupportedException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Unavailable(e, e.GetType().Name);
        }
    }

    // Ingestion promises a description of every file it was asked about; sources and images of other files are not trusted.
    private static bool IsWhole(FileContext context, FileContextRequest asked)
    {
        // Deserialized records leave what the JSON lacked null, whatever their types say.
        if (context.Files is null || context.Passages is null || context.Images is null
            || context.Unavailable.Any(id => !asked.EarlierFileIds.Contains(id))
            || context.Files.Any(f => f?.Name is null || f.MediaType is null || f.Kind is not ("document" or "text" or "image"))
            || context.Passages.Any(p => p?.Text is null || p.FileName is null)
            || context.Images.Any(i => i?.DataUrl is null || i.FileName is null || i.MediaType is null))
        {
            return false;
        }
        var described = context.Files.Select(f => f.Id).ToHashSet();
        return asked.FileIds.Concat(asked.EarlierFileIds.Except(context.Unavailable)).All(described.Contains)
            && context.Passages.All(p => described.Contains(p.FileId) && p.Source > 0)
            && context.Images.All(i => described.Contains(i.FileId) && i.DataUrl.StartsWith("data:image/", StringComparison.Ordinal));
    }

    private FileContextResult.Unavailable Unavailable(Exception? error, string reason)
    {
        LogIngestionUnavailable(logger, error, reason);
        return new FileContextResult.Unavailable();
    }

    /// <summary>The <c>detail</c> of ingestion's problem details: it names the file, for this user only.</summary>
    private static async Task<string> DetailAsync(HttpResponseMessage response, string fallback, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            return problem?["detail"] is JsonValue detail && detail.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
                ? (text.Length > 500 ? text[..500] : text)
                : fallback;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return fallback;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion's file context could not be read: {Reason}")]
    private static partial void LogIngestionUnavailable(ILogger logger, Exception? exception, string reason);
}

/// <param name="FileIds">The new message's files: ingestion refuses the turn if one cannot be sent.</param>
/// <param name="EarlierFileIds">Files attached earlier on the path: those deleted since come back as unavailable.</param>
public sealed record FileContextRequest(IReadOnlyList<Guid> FileIds, IReadOnlyList<Guid> EarlierFileIds, string Query, int MaxTokens, bool Vision);

public sealed record FileContext(
    IReadOnlyList<ContextFile> Files, IReadOnlyList<ContextPassage> Passages, IReadOnlyList<ContextImage> Images, IReadOnlyList<Guid> Unavailable)
{
    public static readonly FileContext Empty = new([], [], [], []);
}

public sealed record ContextFile(Guid Id, string Name, string MediaType, string Kind, string Status);

/// <summary>A passage of a file; passages of the same file and page share <see cref="Source"/>, the number the model cites.</summary>
public sealed record ContextPassage(int Source, Guid FileId, string FileName, int? Page, string Text);

public sealed record ContextImage(Guid FileId, string FileName, string MediaType, string DataUrl, int? Width, int? Height, string? OcrText);

public abstract record FileContextResult
{
    public sealed record Found(FileContext Context) : FileContextResult;

    /// <summary>A file is unknown, deleted or another user's; <see cref="Detail"/> names it.</summary>
    public sealed record NotFound(string Detail) : FileContextResult;

    /// <summary>A file is still processing, failed or quarantined; <see cref="Detail"/> names it.</summary>
    public sealed record NotReady(string Detail) : FileContextResult;

    public sealed record Unavailable : FileContextResult;
}

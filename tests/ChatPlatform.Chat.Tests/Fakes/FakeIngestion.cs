using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Chat.Tests.Fakes;

/// <summary>
/// Ingestion's internal context API over real HTTP, as docs/files.md specifies it: <c>POST /v1/files/context</c> with a
/// service token acting for a user (checked as ingestion checks it: signature, role <c>service</c>, the subject), a 404
/// problem for a file that is not that user's, 409 for one not ready, and each file's pages as numbered passages (or,
/// <c>vision: false</c>, an image's OCR text as a passage instead of the image).
/// </summary>
public sealed class FakeIngestion : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;
    private readonly ConcurrentDictionary<Guid, FakeFile> _files = new();

    private FakeIngestion(LoopbackHttpServer server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>The bodies of the context requests that passed the token check, in order.</summary>
    public ConcurrentQueue<JsonNode> Requests { get; } = new();

    /// <summary>When set, answers 200 with a body that breaks the contract (a kind that does not exist).</summary>
    public bool BreakContract { get; set; }

    /// <summary>Requests refused for their token (none, forged, not a service acting for a user).</summary>
    public int Unauthorized => _unauthorized;

    private int _unauthorized;

    public static async Task<FakeIngestion> StartAsync(CancellationToken cancellationToken)
    {
        FakeIngestion? ingestion = null;
        var server = await LoopbackHttpServer.StartAsync(app =>
            {
                app.MapPost("/v1/files/context", (Delegate)((HttpContext context) => ingestion!.ContextAsync(context)));
                app.MapPost("/internal/embeddings", (Delegate)((HttpContext context) => ingestion!.EmbedAsync(context)));
            },
            cancellationToken);
        ingestion = new FakeIngestion(server);
        return ingestion;
    }

    /// <summary>A document of <paramref name="owner"/>: one passage per page (the first page is numbered 1).</summary>
    public Guid AddDocument(Guid owner, string name, params string[] pages) =>
        Add(new FakeFile(owner, name, "application/pdf", "document", "ready", pages, null, null));

    public Guid AddImage(Guid owner, string name, byte[] bytes, string ocrText) =>
        Add(new FakeFile(owner, name, "image/png", "image", "ready", [], bytes, ocrText));

    public Guid AddProcessing(Guid owner, string name) => Add(new FakeFile(owner, name, "application/pdf", "document", "processing", ["…"], null, null));

    /// <summary>Deletes the file, as its owner would.</summary>
    public void Delete(Guid id) => _files.TryRemove(id, out _);

    private Guid Add(FakeFile file)
    {
        var id = Guid.CreateVersion7();
        _files[id] = file;
        return id;
    }

    private async Task<IResult> ContextAsync(HttpContext context)
    {
        var identity = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
        if (identity?.FindFirst("role")?.Value != "service" || !Guid.TryParse(identity.FindFirst("sub")?.Value, out var userId))
        {
            Interlocked.Increment(ref _unauthorized);
            return Results.Problem(statusCode: 401, detail: "A service token acting for a user is required.");
        }
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        Requests.Enqueue(body);
        var vision = body["vision"]!.GetValue<bool>();
        var files = new JsonArray();
        var passages = new JsonArray();
        var images = new JsonArray();
        var source = 0;
        // Earlier files first: one deleted, another user's or not ready is left out and named as unavailable.
        var unavailable = new JsonArray();
        var earlier = (body["earlierFileIds"]?.AsArray() ?? []).Select(node => Guid.Parse(node!.GetValue<string>())).ToList();
        foreach (var id in earlier.Where(id => !_files.TryGetValue(id, out var file) || file.Owner != userId || file.Status != "ready"))
        {
            unavailable.Add(id);
        }
        var available = earlier.Where(id => !unavailable.Any(u => u!.GetValue<Guid>() == id));
        foreach (var id in available.Concat(body["fileIds"]!.AsArray().Select(node => Guid.Parse(node!.GetValue<string>()))))
        {
            if (!_files.TryGetValue(id, out var file) || file.Owner != userId)
            {
                return Results.Problem(statusCode: 404, title: "Not Found", detail: $"The file {id} was not found.");
            }
            if (file.Status != "ready")
            {
                return Results.Problem(statusCode: 409, title: "Conflict", detail: $"{file.Name} is still being processed.");
            }
            files.Add(new JsonObject
            {
                ["id"] = id, ["name"] = file.Name, ["mediaType"] = file.MediaType, ["kind"] = BreakContract ? "spreadsheet" : file.Kind, ["status"] = file.Status,
            });
            for (var page = 0; page < file.Pages.Length; page++)
            {
                passages.Add(Passage(++source, id, file.Name, page + 1, file.Pages[page]));
            }
            if (file.Image is { } bytes)
            {
                if (vision)
                {
                    images.Add(new JsonObject
                    {
                        ["fileId"] = id, ["fileName"] = file.Name, ["mediaType"] = file.MediaType,
                        ["dataUrl"] = $"data:{file.MediaType};base64,{Convert.ToBase64String(bytes)}",
                        ["width"] = 3, ["height"] = 2, ["ocrText"] = file.OcrText,
                    });
                }
                else
                {
                    passages.Add(Passage(++source, id, file.Name, null, file.OcrText!));
                }
            }
        }
        return Results.Json(new JsonObject { ["files"] = files, ["passages"] = passages, ["images"] = images, ["unavailable"] = unavailable });
    }

    /// <summary>When set, the embeddings route answers 503, as an ingestion that is away would.</summary>
    public bool EmbeddingsDown { get; set; }

    /// <summary>Texts embedded, one count per text, for tests that check what was embedded and when.</summary>
    public int TextsEmbedded => _textsEmbedded;

    private int _textsEmbedded;

    // Ingestion's embeddings route with its real model (all-MiniLM-L6-v2), loaded once for the test run.
    private static readonly Lazy<MiniLmEmbeddingGenerator> Model = new(() => new MiniLmEmbeddingGenerator(
        Microsoft.Extensions.Options.Options.Create(new EmbeddingOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<MiniLmEmbeddingGenerator>.Instance));

    private async Task<IResult> EmbedAsync(HttpContext context)
    {
        var identity = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
        if (identity?.FindFirst("role")?.Value != "service")
        {
            Interlocked.Increment(ref _unauthorized);
            return Results.Problem(statusCode: 401, detail: "A service token is required.");
        }
        if (EmbeddingsDown)
        {
            return Results.Problem(statusCode: 503, detail: "Embeddings are away.");
        }
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        var texts = body["texts"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Interlocked.Add(ref _textsEmbedded, texts.Count);
        var embeddings = await Model.Value.GenerateAsync(texts, cancellationToken: context.RequestAborted);
        return Results.Json(new { model = EmbeddingOptions.LocalModelKey, vectors = embeddings.Select(e => e.Vector.ToArray()) });
    }

    private static JsonObject Passage(int source, Guid fileId, string fileName, int? page, string text) => new()
    {
        ["source"] = source, ["fileId"] = fileId, ["fileName"] = fileName, ["page"] = page, ["text"] = text,
    };

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed record FakeFile(Guid Owner, string Name, string MediaType, string Kind, string Status, string[] Pages, byte[]? Image, string? OcrText);
}

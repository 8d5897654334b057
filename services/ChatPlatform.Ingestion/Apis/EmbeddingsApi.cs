using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Retrieval;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Apis;

/// <summary>
/// <c>POST /internal/embeddings</c>, for other services only (role <c>service</c>; the gateway forwards nothing under
/// <c>/internal</c>): texts turned into vectors by the one embedding generator ingestion already runs for files
/// (<c>Embeddings</c> settings), with the key of the model that made them. Chat's search embeds its messages and queries
/// here, so the platform loads one model, configured in one place, and every vector it compares has one origin.
/// </summary>
public static class EmbeddingsApi
{
    public const int MaxTexts = 64;
    public const int MaxTextLength = 8_000;

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/internal/embeddings", EmbedAsync)
            .RequireAuthorization(InternalIdentityExtensions.ServicePolicy);
        return app;
    }

    public static async Task<Results<Ok<EmbeddingsResponse>, ValidationProblem>> EmbedAsync(
        EmbeddingsRequest request, IEmbeddingGenerator<string, Embedding<float>> generator, IOptions<EmbeddingOptions> options,
        CancellationToken cancellationToken)
    {
        var texts = request.Texts;
        if (texts is not { Count: > 0 and <= MaxTexts } || texts.Any(t => t is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["texts"] = [$"Give 1 to {MaxTexts} texts."] });
        }
        if (texts.Any(t => t.Length > MaxTextLength))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["texts"] = [$"A text is at most {MaxTextLength} characters (the model reads fewer)."] });
        }
        var embeddings = await generator.GenerateAsync(texts, cancellationToken: cancellationToken);
        return TypedResults.Ok(new EmbeddingsResponse(options.Value.ModelKey, [.. embeddings.Select(e => e.Vector.ToArray())]));
    }
}

public sealed record EmbeddingsRequest(IReadOnlyList<string> Texts);

/// <param name="Model">The model key stored with each vector: vectors are compared only with others of the same key.</param>
/// <param name="Vectors">One per text, in order, of <see cref="EmbeddingOptions.ColumnDimensions"/> numbers each.</param>
public sealed record EmbeddingsResponse(string Model, IReadOnlyList<float[]> Vectors);

using System.Runtime.InteropServices;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary>
/// OpenAI's <c>POST /v1/embeddings</c>, errors in OpenAI's shape. Usage (tokens and cost at the deployment's input price)
/// is in the answer; the router publishes no usage events: the caller that bills for the request does.
/// </summary>
public static class EmbeddingsApi
{
    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", CreateEmbeddingsAsync);
        return app;
    }

    public static async Task<IResult> CreateEmbeddingsAsync(HttpContext context, EmbeddingRouter router)
    {
        var cancellationToken = context.RequestAborted;
        var (request, refusal) = await OpenAIRequestBody.ReadAsync(context, EmbeddingRequestReader.Read);
        if (request is null)
        {
            return refusal!;
        }
        try
        {
            var result = await router.EmbedAsync(request.Route, cancellationToken);
            var usage = result.Usage;
            var data = result.Vectors.Select((vector, index) => new EmbeddingItem(index, request.Base64 ? Base64(vector) : vector.ToArray())).ToList();
            return Results.Json(
                new EmbeddingList(data, result.Model, new EmbeddingUsage(usage.InputTokens, usage.InputTokens, new EmbeddingUsageDetails(
                    usage.DeploymentId, RouterTelemetry.ProviderName(usage.Provider), usage.Estimated, usage.Cost, (long)usage.Duration.TotalMilliseconds))),
                OpenAIJson.Options);
        }
        catch (RoutingException error)
        {
            return ChatCompletionResults.Error(error);
        }
    }

    // As OpenAI encodes it: the float32s' little-endian bytes.
    private static string Base64(ReadOnlyMemory<float> vector) => Convert.ToBase64String(MemoryMarshal.AsBytes(vector.Span));
}

using System.Runtime.InteropServices;
using System.Text.Json;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary>
/// OpenAI's <c>POST /v1/embeddings</c>, errors in OpenAI's shape. Usage (tokens and cost at the deployment's input price)
/// is in the answer; the router publishes no usage events: the caller that bills for the request does.
/// </summary>
public static class EmbeddingsApi
{
    /// <summary>2,048 inputs of a few thousand characters each fit; larger bodies are refused with 413.</summary>
    public const long MaxRequestBodyBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", CreateEmbeddingsAsync);
        return app;
    }

    public static async Task<IResult> CreateEmbeddingsAsync(HttpContext context, EmbeddingRouter router)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            var request = await ReadRequestAsync(context, cancellationToken);
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
        catch (JsonException e)
        {
            return ChatCompletionResults.Error(400, $"The request body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ChatCompletionResults.Error(
                StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxRequestBodyBytes / (1024 * 1024)} MB.", code: "request_too_large");
        }
    }

    // As OpenAI encodes it: the float32s' little-endian bytes.
    private static string Base64(ReadOnlyMemory<float> vector) => Convert.ToBase64String(MemoryMarshal.AsBytes(vector.Span));

    private static async Task<EmbeddingsApiRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        return EmbeddingRequestReader.Read(document.RootElement);
    }
}

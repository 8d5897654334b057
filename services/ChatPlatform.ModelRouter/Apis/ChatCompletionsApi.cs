using System.Security.Claims;
using System.Text.Json;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary>OpenAI's <c>POST /v1/chat/completions</c>, streaming or not, errors in OpenAI's shape.</summary>
public static class ChatCompletionsApi
{
    /// <summary>Room for a few base64 images; larger bodies are refused with 413.</summary>
    public const long MaxRequestBodyBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletionAsync);
        return app;
    }

    public static async Task<IResult> CreateChatCompletionAsync(HttpContext context, ChatRouter router, IModelCatalog catalog)
    {
        var cancellationToken = context.RequestAborted;
        ChatCompletionRequest request;
        try
        {
            request = await ReadRequestAsync(context, cancellationToken);
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
            return TooLarge();
        }

        var tier = context.User.FindFirstValue(InternalClaims.Tier);
        if (catalog.Current.FindModel(request.Route.Model) is { } model && !model.AllowsTier(tier))
        {
            return ChatCompletionResults.Error(
                StatusCodes.Status403Forbidden, $"The model '{model.Id}' is not available on the {tier} tier.",
                type: "permission_error", param: "model", code: "model_not_allowed_for_tier");
        }

        RoutedStream stream;
        try
        {
            stream = await router.StartAsync(request.Route, cancellationToken);
        }
        catch (RoutingException error)
        {
            return ChatCompletionResults.Error(error);
        }
        if (request.Stream)
        {
            // Disposed with the response, after the last event is written.
            context.Response.RegisterForDisposeAsync(stream);
            return new ChatCompletionSseResult(stream, request.IncludeUsage);
        }
        await using (stream)
        {
            return await ChatCompletionResults.CompleteAsync(stream, cancellationToken);
        }
    }

    private static async Task<ChatCompletionRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken)
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
        return ChatCompletionRequestReader.Read(document.RootElement);
    }

    private static IResult TooLarge() => ChatCompletionResults.Error(
        StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxRequestBodyBytes / (1024 * 1024)} MB.", code: "request_too_large");
}

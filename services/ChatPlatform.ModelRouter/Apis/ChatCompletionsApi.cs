using System.Security.Claims;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary>OpenAI's <c>POST /v1/chat/completions</c>, streaming or not, errors in OpenAI's shape.</summary>
public static class ChatCompletionsApi
{
    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletionAsync);
        return app;
    }

    public static async Task<IResult> CreateChatCompletionAsync(HttpContext context, ChatRouter router, IModelCatalog catalog)
    {
        var cancellationToken = context.RequestAborted;
        var (request, refusal) = await OpenAIRequestBody.ReadAsync(context, ChatCompletionRequestReader.Read);
        if (request is null)
        {
            return refusal!;
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
}

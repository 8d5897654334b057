using ChatPlatform.Gateway.Services;

namespace ChatPlatform.Gateway.Apis;

/// <summary>The OpenAI-compatible API for API-key (and JWT) clients, served by the model router behind the gateway.</summary>
public static class ChatCompletionsApi
{
    public const long BodyLimit = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletion)
            .RequireAuthorization()
            .WithMetadata(StartsTurnMetadata.Instance, new RequestSizeLimitMetadata(BodyLimit));
        return app;
    }

    private static Task CreateChatCompletion(HttpContext context, ChatCompletionsRelay relay) => relay.RelayAsync(context);
}

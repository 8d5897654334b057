using ChatPlatform.Gateway.Services;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// The OpenAI-compatible API for API-key (and JWT) clients, served by the model router behind the gateway:
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/embeddings</c>.
/// </summary>
public static class ChatCompletionsApi
{
    public const long BodyLimit = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletion)
            .RequireAuthorization()
            .WithMetadata(StartsTurnMetadata.Instance, new RequestSizeLimitMetadata(BodyLimit));
        // Embeddings count against the same per-user limits as completions: each is a paid call to a provider.
        app.MapPost("/v1/embeddings", CreateEmbeddings)
            .RequireAuthorization()
            .WithMetadata(StartsTurnMetadata.Instance, new RequestSizeLimitMetadata(BodyLimit));
        return app;
    }

    private static Task CreateChatCompletion(HttpContext context, ChatCompletionsRelay relay) => relay.RelayAsync(context, "/v1/chat/completions");

    private static Task CreateEmbeddings(HttpContext context, ChatCompletionsRelay relay) => relay.RelayAsync(context, "/v1/embeddings");
}

using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// The routes the gateway serves by forwarding, unchanged, to the service that owns them (docs/turns.md):
/// <c>/v1/conversations/**</c>, <c>/v1/folders/**</c>, <c>GET /v1/tags</c> and <c>GET /v1/search</c> to chat, <c>/v1/files/**</c> to ingestion (docs/files.md), <c>GET /v1/models</c> and
/// <c>GET /v1/models/{id}</c> and, for admins, <c>/v1/admin/**</c> to the model router; <c>GET /v1/usage</c> and, for
/// admins, <c>GET /v1/admin/usage/**</c> to billing (docs/usage.md); <c>/v1/admin/chat/**</c> (the console's answer
/// figures) to chat. More specific routes take precedence over the admin catch-all, including what the gateway serves
/// itself: <c>/v1/admin/users/**</c> (<see cref="AdminUsersApi"/>) and <c>GET /v1/admin/audit</c>
/// (<see cref="AdminAuditApi"/>, which merges the router's log with the gateway's).
/// </summary>
public static class ForwardingApi
{
    public const long ConversationBodyLimit = 1024 * 1024;
    public const long AdminBodyLimit = 1024 * 1024;

    /// <summary>Chat's import cap (25 MB) and room for a multipart envelope around it.</summary>
    public const long ImportBodyLimit = 25 * 1024 * 1024 + 64 * 1024;

    // The methods the services answer; anything else (CONNECT, TRACE...) gets 405 here rather than a 502 from the forwarder.
    private static readonly string[] ForwardedMethods = [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];

    // What ingestion's files API answers (docs/files.md).
    private static readonly string[] FileMethods = [HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete];

    public static IEndpointRouteBuilder MapForwardingApi(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/v1/conversations")
            .RequireAuthorization()
            .WithMetadata(new RequestSizeLimitMetadata(ConversationBodyLimit));
        conversations.MapMethods("/{**path}", ForwardedMethods, ToChat);
        // An import file is larger than any other body (chat caps it at 25 MB and answers 400 past that).
        conversations.MapPost("/import", ToChat).WithMetadata(new RequestSizeLimitMetadata(ImportBodyLimit));
        conversations.MapPost("/{conversationId}/turns", ToChat).WithMetadata(StartsTurnMetadata.Instance);
        conversations.MapPost("/{conversationId}/messages/{messageId}/regenerate", ToChat).WithMetadata(StartsTurnMetadata.Instance);
        conversations.MapPost("/{conversationId}/messages/{messageId}/continue", ToChat).WithMetadata(StartsTurnMetadata.Instance);
        // Organising conversations (docs/conversations.md): chat's too, owner-only there like the conversations.
        app.MapMethods("/v1/folders/{**path}", ForwardedMethods, ToChat)
            .RequireAuthorization()
            .WithMetadata(new RequestSizeLimitMetadata(ConversationBodyLimit));
        app.MapGet("/v1/tags", ToChat).RequireAuthorization();
        // Search over the caller's conversations (docs/conversations.md, Search): chat's index, owner-only there.
        app.MapGet("/v1/search", ToChat).RequireAuthorization();

        // Uploads stream through as they arrive, up to the largest file ingestion accepts.
        var files = app.ServiceProvider.GetRequiredService<IOptions<FileForwardingOptions>>().Value;
        app.MapMethods("/v1/files/{**path}", FileMethods, ToIngestion)
            .RequireAuthorization()
            .WithMetadata(new RequestSizeLimitMetadata(files.MaxRequestBytes));

        app.MapGet("/v1/models", ToModelRouter).RequireAuthorization();
        app.MapGet("/v1/models/{**id}", ToModelRouter).RequireAuthorization();
        app.MapMethods("/v1/admin/{**path}", ForwardedMethods, ToModelRouter)
            .RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .WithMetadata(new RequestSizeLimitMetadata(AdminBodyLimit));

        // Literal segments outrank the catch-all above, so usage goes to billing, not to the router.
        app.MapGet("/v1/usage", ToBilling).RequireAuthorization();
        app.MapGet("/v1/admin/usage", ToBilling).RequireAuthorization(policy => policy.RequireRole(Roles.Admin));
        app.MapGet("/v1/admin/usage/{**path}", ToBilling).RequireAuthorization(policy => policy.RequireRole(Roles.Admin));
        // More literal segments than the catch-all above, so routing prefers it.
        app.MapMethods("/v1/admin/chat/{**path}", ForwardedMethods, ToChat)
            .RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .WithMetadata(new RequestSizeLimitMetadata(AdminBodyLimit));
        return app;
    }

    private static Task ToChat(HttpContext context, UpstreamForwarder forwarder) => forwarder.ForwardAsync(context, Upstreams.Chat);

    private static Task ToIngestion(HttpContext context, UpstreamForwarder forwarder) => forwarder.ForwardAsync(context, Upstreams.Ingestion);

    private static Task ToBilling(HttpContext context, UpstreamForwarder forwarder) => forwarder.ForwardAsync(context, Upstreams.Billing);

    private static Task ToModelRouter(HttpContext context, UpstreamForwarder forwarder) => forwarder.ForwardAsync(context, Upstreams.ModelRouter);
}

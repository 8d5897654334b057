using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Apis;

/// <summary><c>GET /v1/search</c>: the caller's titles and messages by words and by meaning (docs/conversations.md, Search).</summary>
public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/search").RequireCurrentUser().MapGet("/", SearchAsync);
        return app;
    }

    /// <summary>
    /// Matches of <c>q</c> (websearch syntax: quotes, OR, -word), best first, narrowed like the list: <c>folder</c>,
    /// <c>tag</c>, <c>model</c>, <c>from</c>/<c>to</c> (when written), <c>archived</c> (default false: archived left out).
    /// </summary>
    public static async Task<Results<Ok<SearchPage>, ValidationProblem>> SearchAsync(
        string? q, string? limit, string? cursor, string? folder, string? tag, string? model, string? from, string? to, string? archived,
        CurrentUser user, SearchStore store, SearchQueryEmbedder embedder, IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        if (SearchRules.Parse(q, limit, cursor, folder, tag, model, from, to, archived, out var request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var vector = await embedder.EmbedAsync(request!.Query, cancellationToken);
        return TypedResults.Ok(await store.SearchAsync(user.Id, request, vector, options.Value.MaxDistance, cancellationToken));
    }
}

using System.Security.Claims;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>/v1/api-keys</c>: the signed-in user's keys, managed with an access token only (an API key answers 403). The full
/// key is returned once, at creation.
/// </summary>
public static class ApiKeysApi
{
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/api-keys")
            .RequireAuthorization()
            .RequireInteractiveSession()
            .WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{id:guid}", RevokeAsync);
        return app;
    }

    public static async Task<Results<Created<CreatedApiKey>, ValidationProblem>> CreateAsync(
        CreateApiKeyRequest request, ClaimsPrincipal user, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["name"] = [$"A name of 1 to {MaxNameLength} characters is required."],
            });
        }
        var created = await keys.CreateAsync(user.UserId()!.Value, name, cancellationToken);
        return TypedResults.Created($"/v1/api-keys/{created.Id}", created);
    }

    public static async Task<Ok<IReadOnlyList<ApiKeySummary>>> ListAsync(
        ClaimsPrincipal user, ApiKeyService keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(user.UserId()!.Value, cancellationToken));

    /// <summary>Someone else's key answers 404, like a key that does not exist.</summary>
    public static async Task<Results<NoContent, NotFound>> RevokeAsync(
        Guid id, ClaimsPrincipal user, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(user.UserId()!.Value, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
}

using System.Security.Claims;
using System.Text.Json.Serialization;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.ModelRouter.Apis;

public static class ModelsApi
{
    /// <summary>
    /// <c>GET /v1/models</c>: the chat models users can pick, in OpenAI's list shape plus what a chat UI needs;
    /// <c>GET /v1/models/{id}</c>: one of them or an embedding model, or OpenAI's 404 for any other path below (slashes included).
    /// </summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/models");
        api.MapGet("/", ListModels);
        api.MapGet("/{**id}", GetModel);
        return app;
    }

    public static Ok<ModelList> ListModels(IModelCatalog catalog, ClaimsPrincipal user)
    {
        var snapshot = catalog.Current;
        var tier = user.FindFirstValue(InternalClaims.Tier);
        var data = snapshot.Models
            // Embedding models are left out of the list so chat pickers offer only models that chat; each is found by id.
            .Where(m => IsListed(snapshot, m, tier) && !m.Capabilities.Embeddings)
            .Select(m => ToListedModel(snapshot, m))
            .ToList();
        return TypedResults.Ok(new ModelList(data));
    }

    /// <summary>A model that is not listed is not found either, in OpenAI's error shape.</summary>
    public static IResult GetModel(string id, IModelCatalog catalog, ClaimsPrincipal user)
    {
        var snapshot = catalog.Current;
        return snapshot.FindModel(id) is { } model && IsListed(snapshot, model, user.FindFirstValue(InternalClaims.Tier))
            ? TypedResults.Ok(ToListedModel(snapshot, model))
            : ChatCompletionResults.Error(RoutingException.ModelNotFound(id));
    }

    // A model the caller's tier may not use is not listed: a user sees only what they can pick.
    private static bool IsListed(CatalogSnapshot snapshot, ModelDefinition model, string? tier) =>
        model.Enabled && model.AllowsTier(tier) && snapshot.DeploymentsOf(model.Id).Count > 0;

    private static ListedModel ToListedModel(CatalogSnapshot snapshot, ModelDefinition model)
    {
        var deployments = snapshot.DeploymentsOf(model.Id);
        var providers = deployments.Select(d => d.Provider).Distinct().ToList();
        return new ListedModel(
            model.Id,
            snapshot.CreatedAt(model.Id)?.ToUnixTimeSeconds() ?? 0,
            providers.Count == 1 ? OwnerName(providers[0]) : "chatplatform",
            model.DisplayName,
            model.ContextWindow,
            model.MaxOutputTokens,
            new ListedCapabilities(model.Capabilities.Vision, model.Capabilities.Tools, model.Capabilities.Embeddings, model.Capabilities.EmbeddingDimensions,
                model.Capabilities.Temperature),
            snapshot.IsSimulated(model.Id),
            // Per kind of token, the dearest deployment: what billing prices an answer at when its deployment is not
            // known (stopped before the usage came), so that such an answer is never priced below its real cost.
            new ListedPricing(
                deployments.Max(d => d.Price.InputPerMillion),
                deployments.Max(d => d.Price.CachedInputPerMillion),
                deployments.Max(d => d.Price.OutputPerMillion)),
            // Which tiers may use it (absent: every tier): chat checks a turn's model against its user's tier.
            model.Tiers);
    }

    private static string OwnerName(ProviderKind provider) => provider switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.AzureOpenAI => "azure-openai",
        ProviderKind.OpenAICompatible => "openai-compatible",
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.Simulator => "simulator",
        _ => "chatplatform",
    };
}

// snake_case names on purpose: this is OpenAI's shape (/v1/models), which OpenAI clients read.
public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ListedModel> Data)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)]
    public string Object => "list";
}

public sealed record ListedModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("context_window")] int ContextWindow,
    [property: JsonPropertyName("max_output_tokens")] int MaxOutputTokens,
    [property: JsonPropertyName("capabilities")] ListedCapabilities Capabilities,
    [property: JsonPropertyName("simulated")] bool Simulated,
    [property: JsonPropertyName("pricing")] ListedPricing Pricing,
    [property: JsonPropertyName("tiers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tiers = null)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)]
    public string Object => "model";
}

public sealed record ListedCapabilities(
    [property: JsonPropertyName("vision")] bool Vision,
    [property: JsonPropertyName("tools")] bool Tools,
    [property: JsonPropertyName("embeddings")] bool Embeddings = false,
    [property: JsonPropertyName("dimensions"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Dimensions = null,
    // Whether the model takes a sampling temperature (reasoning models do not): chat and the web app read it.
    [property: JsonPropertyName("temperature")] bool Temperature = true);

/// <summary>US dollars per million tokens.</summary>
public sealed record ListedPricing(
    [property: JsonPropertyName("input_per_million")] decimal InputPerMillion,
    [property: JsonPropertyName("cached_input_per_million")] decimal CachedInputPerMillion,
    [property: JsonPropertyName("output_per_million")] decimal OutputPerMillion);

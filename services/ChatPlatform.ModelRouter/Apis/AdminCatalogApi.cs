using System.Security.Claims;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary>
/// <c>/v1/admin/models</c> and <c>/v1/admin/deployments</c>: change the catalog without a restart. Every change is
/// reloaded here and announced to the other router instances. Keys are never accepted or returned, only the names
/// of the configuration entries that hold them. Every change is audited (<see cref="AdminAuditLog"/>). Program maps these
/// for admins only.
/// </summary>
public static class AdminCatalogApi
{
    public static IEndpointRouteBuilder MapAdminCatalogApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/admin/models");
        models.MapGet("/", ListModelsAsync);
        models.MapGet("/{id}", GetModelAsync);
        models.MapPut("/{id}", PutModelAsync);
        models.MapPatch("/{id}", PatchModelAsync);
        models.MapDelete("/{id}", DeleteModelAsync);

        var deployments = app.MapGroup("/v1/admin/deployments");
        deployments.MapGet("/", ListDeploymentsAsync);
        deployments.MapGet("/{id}", GetDeploymentAsync);
        deployments.MapPut("/{id}", PutDeploymentAsync);
        deployments.MapPatch("/{id}", PatchDeploymentAsync);
        deployments.MapDelete("/{id}", DeleteDeploymentAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<AdminModel>>> ListModelsAsync(CatalogStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<AdminModel>>([.. (await store.ListModelsAsync(cancellationToken)).Select(AdminModel.From)]);

    public static async Task<Results<Ok<AdminModel>, NotFound>> GetModelAsync(string id, CatalogStore store, CancellationToken cancellationToken) =>
        await store.FindModelAsync(id, cancellationToken) is { } model ? TypedResults.Ok(AdminModel.From(model)) : TypedResults.NotFound();

    public static async Task<Results<Created<AdminModel>, Ok<AdminModel>, ValidationProblem>> PutModelAsync(
        string id, ModelRequest request, CatalogStore store, ModelCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.ToDefinition(id, existing: null, errors) is not { } model)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var saved = await store.UpsertModelAsync(model, AdminActor.From(user), cancellationToken);
        await catalog.ChangedAsync(cancellationToken);
        var body = AdminModel.From(saved.Entry);
        return saved.Created ? TypedResults.Created($"/v1/admin/models/{id}", body) : TypedResults.Ok(body);
    }

    public static async Task<Results<Ok<AdminModel>, NotFound, ValidationProblem>> PatchModelAsync(
        string id, ModelRequest request, CatalogStore store, ModelCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await store.FindModelAsync(id, cancellationToken) is not { } existing)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        if (request.ToDefinition(id, existing.Definition, errors) is not { } model)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var saved = await store.UpsertModelAsync(model, AdminActor.From(user), cancellationToken);
        await catalog.ChangedAsync(cancellationToken);
        return TypedResults.Ok(AdminModel.From(saved.Entry));
    }

    /// <summary>Deletes the model and its deployments.</summary>
    public static async Task<Results<NoContent, NotFound>> DeleteModelAsync(
        string id, CatalogStore store, ModelCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await store.DeleteModelAsync(id, AdminActor.From(user), cancellationToken))
        {
            return TypedResults.NotFound();
        }
        await catalog.ChangedAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<AdminDeployment>>> ListDeploymentsAsync(
        CatalogStore store, IConfiguration configuration, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<AdminDeployment>>(
            [.. (await store.ListDeploymentsAsync(cancellationToken)).Select(d => AdminDeployment.From(d, configuration))]);

    public static async Task<Results<Ok<AdminDeployment>, NotFound>> GetDeploymentAsync(
        string id, CatalogStore store, IConfiguration configuration, CancellationToken cancellationToken) =>
        await store.FindDeploymentAsync(id, cancellationToken) is { } deployment
            ? TypedResults.Ok(AdminDeployment.From(deployment, configuration))
            : TypedResults.NotFound();

    public static async Task<Results<Created<AdminDeployment>, Ok<AdminDeployment>, ValidationProblem>> PutDeploymentAsync(
        string id, DeploymentRequest request, CatalogStore store, ModelCatalog catalog, IConfiguration configuration,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.ToDefinition(id, existing: null, errors) is not { } deployment)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (await SaveAsync(deployment, store, catalog, user, cancellationToken) is not { } saved)
        {
            return UnknownModel(deployment.ModelId);
        }
        var body = AdminDeployment.From(saved.Entry, configuration);
        return saved.Created ? TypedResults.Created($"/v1/admin/deployments/{id}", body) : TypedResults.Ok(body);
    }

    public static async Task<Results<Ok<AdminDeployment>, NotFound, ValidationProblem>> PatchDeploymentAsync(
        string id, DeploymentRequest request, CatalogStore store, ModelCatalog catalog, IConfiguration configuration,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await store.FindDeploymentAsync(id, cancellationToken) is not { } existing)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        if (request.ToDefinition(id, existing.Definition, errors) is not { } deployment)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        return await SaveAsync(deployment, store, catalog, user, cancellationToken) is { } saved
            ? TypedResults.Ok(AdminDeployment.From(saved.Entry, configuration))
            : UnknownModel(deployment.ModelId);
    }

    public static async Task<Results<NoContent, NotFound>> DeleteDeploymentAsync(
        string id, CatalogStore store, ModelCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await store.DeleteDeploymentAsync(id, AdminActor.From(user), cancellationToken))
        {
            return TypedResults.NotFound();
        }
        await catalog.ChangedAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Null when the deployment's model does not exist.</summary>
    private static async Task<Upserted<StoredDeployment>?> SaveAsync(
        DeploymentDefinition deployment, CatalogStore store, ModelCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await store.FindModelAsync(deployment.ModelId, cancellationToken) is null
            || await store.UpsertDeploymentAsync(deployment, AdminActor.From(user), cancellationToken) is not { } saved)
        {
            return null;
        }
        await catalog.ChangedAsync(cancellationToken);
        return saved;
    }

    private static ValidationProblem UnknownModel(string modelId) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["modelId"] = [$"There is no model '{modelId}'; create it first (PUT /v1/admin/models/{modelId})."],
        });
}

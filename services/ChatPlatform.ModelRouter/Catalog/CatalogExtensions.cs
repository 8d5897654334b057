using ChatPlatform.ModelRouter.Catalog;

// In the namespace of the service's wiring (imported project-wide), so Extensions.cs calls it without a using.
namespace ChatPlatform.ModelRouter.Extensions;

public static class CatalogExtensions
{
    /// <summary>
    /// The model catalog: <see cref="IModelCatalog"/> (and <see cref="ModelCatalog"/>), <see cref="CatalogStore"/>, start-up
    /// seeding and cross-instance reloads, and the "catalog" ready health check. Needs <c>AddChatDatabase("router", ...)</c>
    /// and <c>AddRedis()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddModelCatalog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<CatalogStore>();
        // The catalog's changes are audited in router.admin_audit, read by GET /v1/admin/audit.
        builder.Services.AddSingleton(services => new AdminAuditLog(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), CatalogStore.Schema));
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<IModelCatalog>(services => services.GetRequiredService<ModelCatalog>());
        builder.Services.AddHostedService<CatalogSync>();
        builder.Services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog", tags: ["ready"]);
        return builder;
    }
}

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>The entities <c>router.admin_audit</c> records changes of (its CHECK constraint lists the same).</summary>
public static class CatalogAuditEntities
{
    public const string Model = "model";
    public const string Deployment = "deployment";
}

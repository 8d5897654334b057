namespace ChatPlatform.ModelRouter.Catalog;

public interface IModelCatalog
{
    /// <summary>The catalog as it stands; take it once per request and use that one throughout.</summary>
    CatalogSnapshot Current { get; }
}

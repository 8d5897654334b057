namespace ChatPlatform.Ingestion.Tests.Apis;

/// <summary>
/// The API tests share the containers of one Azurite and check that a refused upload leaves nothing in <c>uploads</c>:
/// they run one at a time, apart from other tests.
/// </summary>
[CollectionDefinition(nameof(FilesCollection), DisableParallelization = true)]
public sealed class FilesCollection;

using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

public sealed class ApiKeyService(ApiKeyStore store)
{
    // "cp_" and the first 8 characters of the random part: enough to tell keys apart, far too little to guess the rest.
    private const int ShownPrefixLength = 11;

    public async Task<CreatedApiKey> CreateAsync(Guid userId, string name, CancellationToken cancellationToken)
    {
        var key = TokenService.NewApiKey();
        var summary = await store.CreateAsync(
            userId, Guid.CreateVersion7(), name, key[..ShownPrefixLength], TokenService.Hash(key), cancellationToken);
        return new CreatedApiKey(summary.Id, summary.Name, summary.Prefix, key, summary.CreatedAt);
    }

    public Task<IReadOnlyList<ApiKeySummary>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        store.ListActiveAsync(userId, cancellationToken);

    public Task<bool> RevokeAsync(Guid userId, Guid id, CancellationToken cancellationToken) =>
        store.RevokeAsync(userId, id, cancellationToken);
}

using System.Text.Json.Nodes;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The caller's shares (docs/conversations.md, Sharing).</summary>
public sealed partial class GatewayClient
{
    public Task<Share> CreateShareAsync(
        Guid conversationId, Guid leafId, string visibility, DateTimeOffset? expiresAt, bool indexable, CancellationToken cancellationToken) =>
        SendAsync<Share>(HttpMethod.Post, $"/v1/conversations/{conversationId}/share",
            new { messageId = leafId, visibility, expiresAt, indexable }, cancellationToken);

    public Task<SharePage> ListSharesAsync(string? cursor, CancellationToken cancellationToken) =>
        SendAsync<SharePage>(HttpMethod.Get, "/v1/shares?limit=100" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), null, cancellationToken);

    /// <summary>A JsonObject, because <c>"expiresAt": null</c> (no expiry) must be sent and the options drop nulls.</summary>
    public Task<Share> UpdateShareAsync(string shareId, JsonObject changes, CancellationToken cancellationToken) =>
        SendAsync<Share>(HttpMethod.Patch, $"/v1/shares/{Uri.EscapeDataString(shareId)}", changes, cancellationToken);

    public async Task RevokeShareAsync(string shareId, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/shares/{Uri.EscapeDataString(shareId)}", null, null, cancellationToken);
    }

    /// <summary>Copies a shared conversation into a new one of the caller's.</summary>
    public Task<Conversation> ContinueSharedAsync(string shareId, CancellationToken cancellationToken) =>
        SendAsync<Conversation>(HttpMethod.Post, $"/v1/shared/{Uri.EscapeDataString(shareId)}/continue", null, cancellationToken);
}

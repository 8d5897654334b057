using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// The admin console's calls: the gateway answers them for admins only (403 otherwise), whatever the web app shows.
/// Catalog writes go to the router's admin API, which validates and audits them.
/// </summary>
public sealed partial class GatewayClient
{
    /// <summary>Everyone's usage over whole UTC days, by day, model or user (by user: highest cost first, a page at a time).</summary>
    public Task<UsageReport> GetAdminUsageAsync(DateOnly from, DateOnly to, string groupBy, int offset, CancellationToken cancellationToken) =>
        SendAsync<UsageReport>(HttpMethod.Get,
            $"/v1/admin/usage?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&groupBy={Uri.EscapeDataString(groupBy)}&offset={offset}", null, cancellationToken);

    public Task<AdminMetrics> GetAdminMetricsAsync(CancellationToken cancellationToken) =>
        SendAsync<AdminMetrics>(HttpMethod.Get, "/v1/admin/metrics", null, cancellationToken);

    public Task<ChatStats> GetChatStatsAsync(int windowMinutes, CancellationToken cancellationToken) =>
        SendAsync<ChatStats>(HttpMethod.Get, $"/v1/admin/chat/stats?window={windowMinutes}", null, cancellationToken);

    public Task<ProvidersHealth> GetProvidersHealthAsync(CancellationToken cancellationToken) =>
        SendAsync<ProvidersHealth>(HttpMethod.Get, "/v1/admin/providers/health", null, cancellationToken);

    public Task<IReadOnlyList<AdminDeployment>> ListDeploymentsAsync(CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<AdminDeployment>>(HttpMethod.Get, "/v1/admin/deployments", null, cancellationToken);

    /// <summary>PUT creates (all required fields) or replaces; PATCH changes only the fields the body names.</summary>
    public Task<AdminDeployment> SaveDeploymentAsync(string id, object body, bool create, CancellationToken cancellationToken) =>
        SendAsync<AdminDeployment>(create ? HttpMethod.Put : HttpMethod.Patch, $"/v1/admin/deployments/{Uri.EscapeDataString(id)}", body, cancellationToken);

    public async Task DeleteDeploymentAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/admin/deployments/{Uri.EscapeDataString(id)}", null, null, cancellationToken);
    }

    public Task<IReadOnlyList<AdminModel>> ListAdminModelsAsync(CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<AdminModel>>(HttpMethod.Get, "/v1/admin/models", null, cancellationToken);

    public Task<AdminModel> PatchModelAsync(string id, object body, CancellationToken cancellationToken) =>
        SendAsync<AdminModel>(HttpMethod.Patch, $"/v1/admin/models/{Uri.EscapeDataString(id)}", body, cancellationToken);
}

namespace ChatPlatform.Web.Model;

// The admin console's view of the gateway's /v1/admin API (docs: README, "Admin console").

public sealed record AdminMetrics(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<AdminProviderMetrics>? Providers,
    IReadOnlyList<DeploymentHealth>? Deployments,
    ThroughputMetrics? Throughput,
    CostSummary? CostToday,
    IReadOnlyList<string> Unavailable);

public sealed record AdminProviderMetrics(string Provider, int Deployments, int Healthy, long Requests, long Failures);

public sealed record ThroughputMetrics(
    int WindowMinutes, long Answers, double TurnsPerMinute, long Errors, double ErrorRate,
    double? TimeToFirstTokenP50Ms, double? TimeToFirstTokenP95Ms, long ActiveStreams);

public sealed record CostSummary(DateTimeOffset From, DateTimeOffset To, long Answers, long InputTokens, long OutputTokens, decimal CostUsd);

public sealed record ChatStats(int WindowMinutes, long Answers, double TurnsPerMinute, IReadOnlyList<ChatStatsMinute> PerMinute);

public sealed record ChatStatsMinute(DateTimeOffset Minute, long Answers, long Errors);

/// <summary>The router's <c>GET /v1/admin/providers/health</c>, one entry per deployment.</summary>
public sealed record ProvidersHealth(IReadOnlyList<DeploymentHealth> Deployments);

public sealed record DeploymentHealth(
    string Id, string Model, string Provider, bool Enabled, string State, double? TimeToFirstTokenEwmaMs, double ErrorRate,
    long Requests, long Failures);

public sealed record Price(decimal InputPerMillion, decimal CachedInputPerMillion, decimal OutputPerMillion);

public sealed record AdminDeployment(
    string Id, string ModelId, string Provider, string ProviderModel, string? Endpoint, string? ApiKeySetting,
    bool ApiKeyConfigured, int Priority, int Weight, Price Price, bool Enabled, string Source);

public sealed record AdminModel(
    string Id, string DisplayName, int ContextWindow, int MaxOutputTokens, bool Enabled, IReadOnlyList<string>? Tiers, string Source,
    AdminModelCapabilities? Capabilities = null);

/// <summary>What the router lets a model be sent; only what the admin console edits (router migration 0005).</summary>
/// <param name="Temperature">False for a model that rejects a sampling temperature (reasoning models): the router drops one sent.</param>
public sealed record AdminModelCapabilities(bool Temperature = true);

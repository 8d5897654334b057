using System.Text.Json.Serialization;

namespace ChatPlatform.Gateway.Model;

/// <summary>
/// <c>GET /v1/admin/metrics</c>: the admin console's figures in one JSON for operators' own tools. A part whose source
/// did not answer is absent and its source named in <see cref="Unavailable"/> (<c>model-router</c>, <c>chat</c>,
/// <c>billing</c>).
/// </summary>
public sealed record AdminMetrics(
    DateTimeOffset GeneratedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProviderMetrics>? Providers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DeploymentMetrics>? Deployments,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ThroughputMetrics? Throughput,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CostSummary? CostToday,
    IReadOnlyList<string> Unavailable);

/// <param name="Healthy">Enabled deployments whose circuit is closed.</param>
public sealed record ProviderMetrics(string Provider, int Deployments, int Healthy, long Requests, long Failures);

/// <param name="State">The circuit: closed, half-open, open or isolated.</param>
public sealed record DeploymentMetrics(
    string Id, string Model, string Provider, bool Enabled, string State, double? TimeToFirstTokenEwmaMs, double ErrorRate,
    long Requests, long Failures);

/// <param name="ActiveStreams">Answers streaming now across every chat instance.</param>
public sealed record ThroughputMetrics(
    int WindowMinutes, long Answers, double TurnsPerMinute, long Errors, double ErrorRate,
    double? TimeToFirstTokenP50Ms, double? TimeToFirstTokenP95Ms, long ActiveStreams);

/// <summary>Billing's summary of the day so far (UTC).</summary>
public sealed record CostSummary(DateTimeOffset From, DateTimeOffset To, long Answers, long InputTokens, long OutputTokens, decimal CostUsd);

using System.Globalization;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>GET /v1/admin/metrics?window=</c> (admins): provider and deployment health and error rates from the router, answer
/// throughput over the last <c>window</c> minutes (1 to 1,440, default 60) from chat, and the cost of the day so far from
/// billing's <c>GET /v1/admin/usage/summary?from=&amp;to=</c>, read at once. Each call carries the admin's internal token,
/// so every service checks the role itself.
/// </summary>
public static class AdminMetricsApi
{
    public static IEndpointRouteBuilder MapAdminMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/metrics", GetMetricsAsync).RequireAuthorization(policy => policy.RequireRole(Roles.Admin));
        return app;
    }

    public static async Task<Results<Ok<AdminMetrics>, ValidationProblem, UnauthorizedHttpResult>> GetMetricsAsync(
        string? window, HttpContext context, UpstreamClient upstreams, AdminMetricsSources sources, TimeProvider time)
    {
        if (window is not null && (!int.TryParse(window, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes is < 1 or > 1440))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["window"] = ["Must be a whole number of minutes from 1 to 1440."],
            });
        }
        if (upstreams.InternalTokenFor(context.User) is not { } token)
        {
            return TypedResults.Unauthorized();
        }
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var cancellationToken = context.RequestAborted;
        var health = sources.GetAsync(Upstreams.ModelRouter, "/v1/admin/providers/health", token, cancellationToken);
        var stats = sources.GetAsync(Upstreams.Chat, $"/v1/admin/chat/stats?window={window ?? "60"}", token, cancellationToken);
        // Billing's ranges are whole UTC days (docs/usage.md): today is from=to=today.
        var day = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var cost = sources.GetAsync(Upstreams.Billing, $"/v1/admin/usage/summary?from={day}&to={day}", token, cancellationToken);
        await Task.WhenAll(health, stats, cost);

        var unavailable = new List<string>();
        var deployments = Read(await health, Upstreams.ModelRouter, unavailable, ToDeployments);
        var throughput = Read(await stats, Upstreams.Chat, unavailable, ToThroughput);
        var costToday = Read(await cost, Upstreams.Billing, unavailable, node => ToCost(node, today, now));
        return TypedResults.Ok(new AdminMetrics(now, deployments is null ? null : ToProviders(deployments), deployments, throughput, costToday, unavailable));
    }

    // A source whose answer lacks what it promises counts as not answering: the rest still goes out.
    private static T? Read<T>(JsonNode? node, string source, List<string> unavailable, Func<JsonNode, T> read)
        where T : class
    {
        try
        {
            if (node is not null)
            {
                return read(node);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
        }
        unavailable.Add(source);
        return null;
    }

    private static List<DeploymentMetrics> ToDeployments(JsonNode node) =>
        [.. node["deployments"]!.AsArray().Select(d => new DeploymentMetrics(
            (string)d!["id"]!, (string)d["model"]!, (string)d["provider"]!, (bool)d["enabled"]!, (string)d["state"]!,
            (double?)d["timeToFirstTokenEwmaMs"], (double)d["errorRate"]!, (long)d["requests"]!, (long)d["failures"]!))];

    private static List<ProviderMetrics> ToProviders(IReadOnlyList<DeploymentMetrics> deployments) =>
        [.. deployments.GroupBy(d => d.Provider, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ProviderMetrics(g.Key, g.Count(), g.Count(d => d.Enabled && d.State == "closed"),
                g.Sum(d => d.Requests), g.Sum(d => d.Failures)))];

    private static ThroughputMetrics ToThroughput(JsonNode node) => new(
        (int)node["windowMinutes"]!, (long)node["answers"]!, (double)node["turnsPerMinute"]!, (long)node["errors"]!,
        (double)node["errorRate"]!, (double?)node["timeToFirstTokenP50Ms"], (double?)node["timeToFirstTokenP95Ms"],
        (long)node["activeStreams"]!);

    private static CostSummary ToCost(JsonNode node, DateTimeOffset from, DateTimeOffset to) => new(
        from, to, (long)node["answers"]!, (long)node["inputTokens"]!, (long)node["outputTokens"]!, (decimal)node["costUsd"]!);
}

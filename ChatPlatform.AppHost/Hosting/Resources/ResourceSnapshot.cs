namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>A resource as the dashboard and <c>GET /api/resources</c> show it.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Type,
    ResourceState State,
    ResourceHealth Health,
    string? Description,
    int? ExitCode,
    int? ProcessId,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> WaitsFor,
    IReadOnlyList<string> References,
    DateTimeOffset? StartedAt,
    DateTimeOffset? HealthyAt,
    DateTimeOffset? StoppedAt);

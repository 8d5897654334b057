using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatPlatform.AppHost.Hosting.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.AppHost.Hosting.Dashboard;

/// <summary><c>GET /api/resources</c>, <c>GET /api/resources/{name}</c> and <c>GET /api/resources/{name}/logs?tail=&amp;after=</c>.</summary>
internal static class ResourcesApi
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        // Read by people as often as by code; the page escapes what it renders.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder endpoints, DistributedApplication application)
    {
        var api = endpoints.MapGroup("/api/resources");
        api.MapGet("/", () => GetResources(application));
        api.MapGet("/{name}", (string name) => GetResource(application, name));
        api.MapGet("/{name}/logs", (string name, int? tail, long? after) => GetLogs(application, name, tail, after));
        return endpoints;
    }

    private static JsonHttpResult<ResourceSnapshot[]> GetResources(DistributedApplication application) =>
        TypedResults.Json(application.Resources.Select(r => r.GetSnapshot()).ToArray(), JsonOptions);

    private static Results<JsonHttpResult<ResourceSnapshot>, NotFound> GetResource(DistributedApplication application, string name) =>
        application.Resources.FirstOrDefault(r => r.Name == name) is { } resource
            ? TypedResults.Json(resource.GetSnapshot(), JsonOptions)
            : TypedResults.NotFound();

    private static Results<JsonHttpResult<ResourceLogs>, NotFound> GetLogs(DistributedApplication application, string name, int? tail, long? after) =>
        application.Resources.FirstOrDefault(r => r.Name == name) is { } resource
            ? TypedResults.Json(new ResourceLogs(resource.Name, resource.Log.Read(Math.Clamp(tail ?? 500, 0, resource.Log.Capacity), after)), JsonOptions)
            : TypedResults.NotFound();

    private sealed record ResourceLogs(string Name, IReadOnlyList<LogLine> Lines);
}

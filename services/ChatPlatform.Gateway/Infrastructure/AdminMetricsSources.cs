using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Reads the figures <c>GET /v1/admin/metrics</c> joins from the services that own them, each with the admin's own
/// internal token: the router's deployment health, chat's answer figures and billing's cost summary. A source that does
/// not answer in time, or answers an error, is reported missing rather than failing the whole answer.
/// </summary>
public sealed partial class AdminMetricsSources(UpstreamClient upstreams, ILogger<AdminMetricsSources> logger)
{
    /// <summary>How long one source may take: the console polls every few seconds.</summary>
    public static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(3);

    public async Task<JsonNode?> GetAsync(string upstream, string pathAndQuery, string token, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SourceTimeout);
        try
        {
            using var invoker = upstreams.CreateInvoker(upstream);
            using var request = upstreams.CreateRequest(upstream, HttpMethod.Get, pathAndQuery);
            request.Headers.Authorization = UpstreamClient.Bearer(token);
            using var response = await invoker.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogSourceRefused(logger, upstream, pathAndQuery, (int)response.StatusCode);
                return null;
            }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await JsonNode.ParseAsync(body, cancellationToken: timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
        {
            // InvalidOperationException: service discovery knows no address for the upstream.
            LogSourceFailed(logger, e, upstream, pathAndQuery);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin metrics: {Upstream} answered {Status} to {PathAndQuery}")]
    private static partial void LogSourceRefused(ILogger logger, string upstream, string pathAndQuery, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin metrics: {Upstream} did not answer {PathAndQuery}")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception, string upstream, string pathAndQuery);
}

using System.Globalization;
using System.Net.Http.Json;
using System.Security.Claims;
using ChatPlatform.Audit;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// One audit log for the console from two: the gateway's (<c>identity.admin_audit</c>, accounts) and the model router's
/// (<c>GET /v1/admin/audit</c>, catalog). Each is read newest first by id; a page takes the newer head of the two until
/// it is full, so the merge never reorders either log. The cursor holds where each log stands (<c>{gateway}.{router}</c>,
/// the oldest id consumed from each, 0 for "from the newest").
/// </summary>
public sealed partial class AdminAuditReader(AdminAuditLog gateway, UpstreamClient upstream, ILogger<AdminAuditReader> logger)
{
    public const string GatewayService = "gateway";
    public const string RouterService = Upstreams.ModelRouter;

    public sealed record Cursor(long Gateway, long Router)
    {
        public static bool TryParse(string? text, out Cursor cursor)
        {
            cursor = new Cursor(0, 0);
            if (string.IsNullOrEmpty(text))
            {
                return true;
            }
            var parts = text.Split('.');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var g)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r))
            {
                cursor = new Cursor(g, r);
                return true;
            }
            return false;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Gateway}.{Router}");
    }

    /// <summary>The largest page the model router's <c>GET /v1/admin/audit</c> answers.</summary>
    public const int RouterMaxLimit = 200;

    /// <summary>The page, or null when the router could not be read (the caller answers 502: a page missing half the log would mislead).</summary>
    public async Task<AuditLogPage?> ReadAsync(ClaimsPrincipal admin, Cursor cursor, int limit, CancellationToken cancellationToken)
    {
        // One more than the page from each, to know whether anything is left without a third query.
        // The router pages at most RouterMaxLimit: asked for more it refuses (the fuzz suite's largest page was a 502). When
        // the page is that large and the router filled it, whether more follow is not known: a next cursor is given.
        var routerAsked = Math.Min(limit + 1, RouterMaxLimit);
        var gatewayTask = gateway.ListAsync(cursor.Gateway == 0 ? null : cursor.Gateway, limit + 1, cancellationToken);
        var routerEntries = await ReadRouterAsync(admin, cursor.Router, routerAsked, cancellationToken);
        var gatewayEntries = await gatewayTask;
        if (routerEntries is null)
        {
            return null;
        }
        var items = new List<AuditLogItem>(limit);
        int g = 0, r = 0;
        while (items.Count < limit && (g < gatewayEntries.Count || r < routerEntries.Count))
        {
            var takeGateway = r >= routerEntries.Count
                || (g < gatewayEntries.Count && gatewayEntries[g].At >= routerEntries[r].At);
            items.Add(takeGateway ? Item(GatewayService, gatewayEntries[g++]) : Item(RouterService, routerEntries[r++]));
        }
        var more = g < gatewayEntries.Count || r < routerEntries.Count || (routerAsked <= limit && routerEntries.Count == routerAsked);
        var next = new Cursor(g > 0 ? gatewayEntries[g - 1].Id : cursor.Gateway, r > 0 ? routerEntries[r - 1].Id : cursor.Router);
        return new AuditLogPage(items, more ? next.ToString() : null);
    }

    private async Task<IReadOnlyList<AdminAuditEntry>?> ReadRouterAsync(ClaimsPrincipal admin, long before, int limit, CancellationToken cancellationToken)
    {
        var query = before == 0 ? $"?limit={limit}" : $"?limit={limit}&before={before}";
        using var request = upstream.CreateRequest(Upstreams.ModelRouter, HttpMethod.Get, "/v1/admin/audit" + query);
        request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(admin)!);
        using var invoker = upstream.CreateInvoker(Upstreams.ModelRouter);
        try
        {
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRouterRefused(logger, (int)response.StatusCode);
                return null;
            }
            var page = await response.Content.ReadFromJsonAsync<AdminAuditPage>(JsonDefaults.Options, cancellationToken);
            return page?.Items;
        }
        catch (HttpRequestException e)
        {
            LogRouterUnavailable(logger, e);
            return null;
        }
    }

    private static AuditLogItem Item(string service, AdminAuditEntry e) =>
        new(service, e.Id, e.At, e.UserId, e.UserEmail, e.Action, e.Entity, e.EntityId, e.Before, e.After);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model router answered {Status} to the audit log read")]
    private static partial void LogRouterRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model router is unavailable: the audit log cannot be read")]
    private static partial void LogRouterUnavailable(ILogger logger, Exception exception);
}

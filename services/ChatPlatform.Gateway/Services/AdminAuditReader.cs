using System.Globalization;
using System.Net.Http.Json;
using System.Security.Claims;
using ChatPlatform.Audit;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// One audit log for the console from three: the gateway's own (<c>identity.admin_audit</c>, accounts), the model
/// router's (catalog) and billing's (quota overrides), the last two through their <c>GET /v1/admin/audit</c>
/// (<see cref="AdminAuditApi"/>). Each is read newest first by id; a page takes the newest head of the three until it
/// is full, so the merge never reorders any log. The cursor holds where each log stands (<c>{gateway}.{router}.{billing}</c>,
/// the oldest id consumed from each, 0 for "from the newest").
/// </summary>
public sealed partial class AdminAuditReader(AdminAuditLog gateway, UpstreamClient upstream, ILogger<AdminAuditReader> logger)
{
    public const string GatewayService = "gateway";

    /// <summary>The services whose logs are read over HTTP, in the cursor's order after the gateway's own.</summary>
    public static readonly string[] RemoteServices = [Upstreams.ModelRouter, Upstreams.Billing];

    public sealed record Cursor(long[] Positions)
    {
        public static readonly Cursor Newest = new(new long[1 + RemoteServices.Length]);

        public static bool TryParse(string? text, out Cursor cursor)
        {
            cursor = Newest;
            if (string.IsNullOrEmpty(text))
            {
                return true;
            }
            var parts = text.Split('.');
            // A cursor from before billing's log was merged names two logs: billing's then starts from its newest.
            if (parts.Length is < 2 || parts.Length > 1 + RemoteServices.Length)
            {
                return false;
            }
            var positions = new long[1 + RemoteServices.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out positions[i]))
                {
                    return false;
                }
            }
            cursor = new Cursor(positions);
            return true;
        }

        public override string ToString() => string.Join('.', Positions.Select(p => p.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The page, or null when a service's log could not be read (the caller answers 502: a page missing part of the log would mislead).</summary>
    public async Task<AuditLogPage?> ReadAsync(ClaimsPrincipal admin, Cursor cursor, int limit, CancellationToken cancellationToken)
    {
        // One more than the page from each, to know whether anything is left without another query. A service pages at
        // most AdminAuditApi.MaxLimit (asked for more it refuses): when the page is that large and a service filled it,
        // whether more follow is not known, so a next cursor is given.
        var remoteAsked = Math.Min(limit + 1, AdminAuditApi.MaxLimit);
        var reads = new List<Task<IReadOnlyList<AdminAuditEntry>?>>
        {
            ReadOwnAsync(cursor.Positions[0], limit + 1, cancellationToken),
        };
        reads.AddRange(RemoteServices.Select((service, i) => ReadRemoteAsync(service, admin, cursor.Positions[i + 1], remoteAsked, cancellationToken)));
        var logs = await Task.WhenAll(reads);
        if (logs.Any(log => log is null))
        {
            return null;
        }
        string[] services = [GatewayService, .. RemoteServices];
        var taken = new int[logs.Length];
        var items = new List<AuditLogItem>(limit);
        while (items.Count < limit)
        {
            // The newest head; on a tie the earlier log in the cursor's order (the gateway's first).
            var next = -1;
            for (var i = 0; i < logs.Length; i++)
            {
                if (taken[i] < logs[i]!.Count && (next < 0 || logs[i]![taken[i]].At > logs[next]![taken[next]].At))
                {
                    next = i;
                }
            }
            if (next < 0)
            {
                break;
            }
            items.Add(Item(services[next], logs[next]![taken[next]++]));
        }
        var more = Enumerable.Range(0, logs.Length).Any(i => taken[i] < logs[i]!.Count)
            || (remoteAsked <= limit && logs.Skip(1).Any(log => log!.Count == remoteAsked));
        var positions = Enumerable.Range(0, logs.Length).Select(i => taken[i] > 0 ? logs[i]![taken[i] - 1].Id : cursor.Positions[i]).ToArray();
        return new AuditLogPage(items, more ? new Cursor(positions).ToString() : null);
    }

    private async Task<IReadOnlyList<AdminAuditEntry>?> ReadOwnAsync(long before, int limit, CancellationToken cancellationToken) =>
        await gateway.ListAsync(before == 0 ? null : before, limit, cancellationToken);

    private async Task<IReadOnlyList<AdminAuditEntry>?> ReadRemoteAsync(
        string service, ClaimsPrincipal admin, long before, int limit, CancellationToken cancellationToken)
    {
        var query = before == 0 ? $"?limit={limit}" : $"?limit={limit}&before={before}";
        using var request = upstream.CreateRequest(service, HttpMethod.Get, AdminAuditApi.Route + query);
        request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(admin)!);
        using var invoker = upstream.CreateInvoker(service);
        try
        {
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, service, (int)response.StatusCode);
                return null;
            }
            var page = await response.Content.ReadFromJsonAsync<AdminAuditPage>(JsonDefaults.Options, cancellationToken);
            return page?.Items;
        }
        catch (HttpRequestException e)
        {
            LogUnavailable(logger, e, service);
            return null;
        }
    }

    private static AuditLogItem Item(string service, AdminAuditEntry e) =>
        new(service, e.Id, e.At, e.UserId, e.UserEmail, e.Action, e.Entity, e.EntityId, e.Before, e.After);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service} answered {Status} to the audit log read")]
    private static partial void LogRefused(ILogger logger, string service, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service} is unavailable: the audit log cannot be read")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string service);
}

using System.Text.Json;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>Every admin action of the gateway (accounts) and the model router (catalog), merged by the gateway, newest first.</summary>
public sealed partial class Audit : IDisposable
{
    private readonly List<AuditLogItem> _items = [];
    private readonly CancellationTokenSource _disposed = new();
    private string? _next;
    private string? _error;
    private bool _loaded;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        _items.Clear();
        _next = null;
        await LoadAsync(null);
    }

    private Task LoadMoreAsync() => LoadAsync(_next);

    private async Task LoadAsync(string? cursor)
    {
        _error = null;
        try
        {
            var page = await Gateway.ListAuditAsync(cursor, _disposed.Token);
            _items.AddRange(page.Items);
            _next = page.Next;
        }
        catch (GatewayException e) when (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
        }
        catch (GatewayException e)
        {
            _error = e.Status == 403 ? "Only admins can see the audit log." : e.Message;
        }
        _loaded = true;
    }

    private static string State(JsonElement? state) => state is { } value ? value.GetRawText() : "—";

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}

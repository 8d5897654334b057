using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// The admin console's accounts: search and filter, then disable or enable, change role or tier, revoke sessions, set
/// quota overrides. Every action is the gateway's to allow (a non-admin gets 403 and sees so); the page shows its
/// refusals in place.
/// </summary>
public sealed partial class Users : IDisposable
{
    private readonly List<AdminUser> _users = [];
    private readonly AdminUserFilter _filter = new();
    private readonly CancellationTokenSource _disposed = new();
    private string? _next;
    private Guid? _busy;
    private Guid? _quotasOf;
    private string? _error;
    private string? _notice;
    private bool _loaded;
    private bool _forbidden;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override Task OnInitializedAsync() => SearchAsync();

    private async Task SearchAsync()
    {
        _users.Clear();
        _next = null;
        await LoadAsync(null);
    }

    private Task LoadMoreAsync() => LoadAsync(_next);

    private async Task LoadAsync(string? cursor)
    {
        _error = null;
        try
        {
            var page = await Gateway.ListUsersAsync(_filter, cursor, _disposed.Token);
            _users.AddRange(page.Items);
            _next = page.Next;
        }
        catch (GatewayException e)
        {
            Show(e);
        }
        _loaded = true;
    }

    private async Task UpdateAsync(AdminUser user, UpdateUserRequest request)
    {
        await RunAsync(user, async () =>
        {
            var updated = await Gateway.UpdateUserAsync(user.Id, request, _disposed.Token);
            _users[_users.IndexOf(user)] = updated;
            _notice = $"Saved {updated.Email}.";
        });
    }

    private async Task RevokeAsync(AdminUser user)
    {
        await RunAsync(user, async () =>
        {
            var revoked = await Gateway.RevokeSessionsAsync(user.Id, _disposed.Token);
            _notice = $"Signed {user.Email} out of {revoked.Sessions} session{(revoked.Sessions == 1 ? "" : "s")}.";
        });
    }

    /// <summary>One user's quota editor at a time, opened under their row.</summary>
    private void ToggleQuotas(AdminUser user)
    {
        _quotasOf = _quotasOf == user.Id ? null : user.Id;
        _notice = null;
    }

    private void CloseQuotas() => _quotasOf = null;

    private void QuotasSaved(AdminUser user)
    {
        _quotasOf = null;
        _error = null;
        _notice = $"Saved the quotas of {user.Email}.";
    }

    private async Task RunAsync(AdminUser user, Func<Task> action)
    {
        _busy = user.Id;
        _error = null;
        _notice = null;
        try
        {
            await action();
        }
        catch (GatewayException e)
        {
            Show(e);
        }
        finally
        {
            _busy = null;
        }
    }

    private void Show(GatewayException e)
    {
        if (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
            return;
        }
        _forbidden = e.Status == 403;
        _error = e.Message;
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}

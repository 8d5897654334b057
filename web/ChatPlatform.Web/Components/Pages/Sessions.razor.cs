using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>Where the person is signed in (the gateway's sessions), signing one out or all but this browser.</summary>
public sealed partial class Sessions
{
    private List<SessionInfo> _sessions = [];
    private string? _error;
    private string? _status;
    private bool _loaded;
    private bool _busy;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _loaded = true;
    }

    private async Task LoadAsync()
    {
        try
        {
            _sessions = [.. await Gateway.ListSessionsAsync(CancellationToken.None)];
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
    }

    private async Task RevokeAsync(SessionInfo session)
    {
        _error = _status = null;
        try
        {
            await Gateway.RevokeSessionAsync(session.Id, CancellationToken.None);
            _status = $"Signed out {session.Device}.";
        }
        catch (GatewayException e) when (e.Status == 404)
        {
            _status = $"{session.Device} was already signed out.";
        }
        catch (GatewayException e)
        {
            _error = e.Message;
            return;
        }
        _sessions.Remove(session);
    }

    private async Task RevokeOthersAsync()
    {
        _error = _status = null;
        _busy = true;
        try
        {
            var revoked = await Gateway.RevokeOtherSessionsAsync(CancellationToken.None);
            _status = revoked.Revoked == 1 ? "Signed out 1 other session." : $"Signed out {revoked.Revoked} other sessions.";
            _sessions.RemoveAll(s => !s.Current);
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}

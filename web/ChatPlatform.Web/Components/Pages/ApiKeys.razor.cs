using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>The person's API keys: create one (its secret shown once, with a copy button), see when each was last used, revoke.</summary>
public sealed partial class ApiKeys
{
    private List<ApiKeySummary> _keys = [];
    private CreatedApiKey? _created;
    private string _name = "";
    private string? _nameError;
    private readonly GatewayCall _call = new();
    private Guid? _revoking;
    private bool _loaded;
    private bool _copied;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await _call.RunAsync(async () => _keys = [.. await Gateway.ListApiKeysAsync(CancellationToken.None)]);
        _loaded = true;
    }

    private async Task CreateAsync()
    {
        _nameError = null;
        _copied = false;
        await _call.RunAsync(async () =>
        {
            try
            {
                _created = await Gateway.CreateApiKeyAsync(_name.Trim(), CancellationToken.None);
            }
            catch (GatewayException e) when (e.Status == 400)
            {
                _nameError = e.Errors.Count > 0 ? string.Join(" ", e.Errors.Values.SelectMany(m => m)) : e.Message;
                return;
            }
            _name = "";
            _keys.Add(new ApiKeySummary(_created.Id, _created.Name, _created.Prefix, _created.CreatedAt, null));
        });
    }

    private async Task RevokeAsync(ApiKeySummary key)
    {
        await _call.RunAsync(async () =>
        {
            try
            {
                await Gateway.RevokeApiKeyAsync(key.Id, CancellationToken.None);
            }
            catch (GatewayException e) when (e.Status == 404)
            {
                // Already gone (revoked in another tab): the list says so either way.
            }
            _keys.Remove(key);
            _revoking = null;
            if (_created?.Id == key.Id)
            {
                _created = null;
            }
        });
    }

    private async Task CopyAsync()
    {
        if (_created is null)
        {
            return;
        }
        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", _created.Key);
            _copied = true;
        }
        catch (JSException)
        {
            // No clipboard access (an insecure origin or a refused permission): the key stays selectable in its field.
            _call.Error = "The browser did not allow copying; select the key and copy it yourself.";
        }
        catch (JSDisconnectedException)
        {
        }
    }


    internal static string When(DateTimeOffset time) => time.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}

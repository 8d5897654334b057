using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using QRCoder;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>
/// <c>/settings/two-factor</c>: enrol an authenticator app (key, link and QR code; confirm with a code; recovery codes
/// shown once with a copy button) and turn it off with the password and a code. The gateway decides; this page asks.
/// </summary>
public sealed partial class TwoFactorSettings
{
    private TwoFactorStatus? _status;
    private TwoFactorSetup? _setup;
    private string? _qrCode;
    private IReadOnlyList<string>? _recoveryCodes;
    private string? _code;
    private string? _password;
    private readonly GatewayCall _call = new();
    private bool _copied;
    private bool _interactive;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnInitializedAsync() => await _call.RunAsync(LoadAsync);

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            // Buttons answer from here on: the browser test waits for data-ready before it clicks.
            _interactive = true;
            StateHasChanged();
        }
    }

    private async Task LoadAsync() => _status = await Gateway.GetTwoFactorStatusAsync(CancellationToken.None);

    private Task SetupAsync() => _call.RunAsync(async () =>
    {
        _setup = await Gateway.SetupTwoFactorAsync(CancellationToken.None);
        _qrCode = QrCodeDataUri(_setup.Uri);
        _code = null;
    });

    private Task EnableAsync() => _call.RunAsync(async () =>
    {
        _recoveryCodes = (await Gateway.EnableTwoFactorAsync(_code?.Trim() ?? "", CancellationToken.None)).Codes;
        _setup = null;
        _qrCode = null;
        _code = null;
        await LoadAsync();
    });

    private Task DisableAsync() => _call.RunAsync(async () =>
    {
        await Gateway.DisableTwoFactorAsync(_password ?? "", _code?.Trim() ?? "", CancellationToken.None);
        _password = null;
        _code = null;
        await LoadAsync();
    });

    private async Task CopyCodesAsync()
    {
        await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/chat.js");
        await module.InvokeVoidAsync("copyText", string.Join('\n', _recoveryCodes ?? []));
        _copied = true;
    }

    private void Done()
    {
        _recoveryCodes = null;
        _copied = false;
    }


    /// <summary>The link as a PNG QR code, drawn here: no image service ever sees the key.</summary>
    private static string QrCodeDataUri(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
    }
}

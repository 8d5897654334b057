using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>Taking one's data away (the export zip) and bringing conversations in (docs/conversations.md).</summary>
public sealed partial class YourData
{
    /// <summary>The chat service's cap on an import (docs/conversations.md, Import).</summary>
    private const long MaxImportBytes = 25 * 1024 * 1024;

    private IReadOnlyList<ModelInfo> _models = [];
    private string? _model;
    private bool _importing;
    private bool _loaded;
    private bool _interactive;
    private string? _error;
    private ImportResult? _result;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>Ready for a file: the models are read and the file input listens (see <see cref="OnAfterRenderAsync"/>).</summary>
    private bool Ready => _loaded && _interactive;

    /// <summary>
    /// The file input starts listening with a call to the browser after its first render; a call of ours after it
    /// answers once the browser has handled that one (calls are handled in order), so a file chosen after the page says
    /// it is ready is never missed.
    /// </summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        try
        {
            await JS.InvokeVoidAsync("console.debug", "Export and import ready");
            _interactive = true;
            StateHasChanged();
        }
        catch (JSDisconnectedException)
        {
        }
    }

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _models = await Gateway.ListModelsAsync(CancellationToken.None);
            _model = _models.FirstOrDefault()?.Id;
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
        _loaded = true;
    }

    private async Task ChooseAsync(InputFileChangeEventArgs e)
    {
        _error = null;
        _result = null;
        if (e.File.Size > MaxImportBytes)
        {
            _error = "The file is larger than 25 MB: import a large export in parts.";
            return;
        }
        _importing = true;
        try
        {
            // Read whole first: the circuit delivers it at its own pace, and the upload to the gateway then goes at once.
            using var copy = new MemoryStream((int)e.File.Size);
            await using (var file = e.File.OpenReadStream(MaxImportBytes))
            {
                await file.CopyToAsync(copy);
            }
            copy.Position = 0;
            _result = await Gateway.ImportConversationsAsync(copy, copy.Length, _model, CancellationToken.None);
        }
        catch (GatewayException error)
        {
            _error = error.Message;
        }
        catch (IOException)
        {
            _error = "The file could not be read. Choose it again.";
        }
        finally
        {
            _importing = false;
        }
    }
}

using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>
/// One of my files, where a citation opens it: a ready PDF page by page (drawn by ingestion as an image, so the PDF
/// itself is never shown inline), an image as itself, anything else with its status and a download link.
/// </summary>
public sealed partial class FileView
{
    private readonly CancellationTokenSource _disposed = new();
    private StoredFile? _file;
    private string? _error;
    private bool _loaded;
    private int _page = 1;

    [Parameter] public Guid Id { get; set; }

    /// <summary>The page to show first (a citation's page); out of range falls back to the nearest one.</summary>
    [SupplyParameterFromQuery(Name = "page")] public int? Page { get; set; }

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            if (_file?.Id != Id)
            {
                _file = await Gateway.GetFileAsync(Id, _disposed.Token);
            }
            _page = Math.Clamp(Page ?? 1, 1, Math.Max(1, _file.Pages ?? 1));
            _error = null;
        }
        catch (GatewayException e) when (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
        }
        catch (GatewayException e)
        {
            _file = null;
            _error = e.Status == 404 ? "This file does not exist, or it was deleted." : e.Message;
        }
        finally
        {
            _loaded = true;
        }
    }

    internal static bool ShowsPages(StoredFile file) =>
        file is { MediaType: "application/pdf", Status: FileStatus.Ready, Pages: > 0 };

    private string PageLink(int page) => $"files/{Id}?page={page}";

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}

using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>The signed-in person's files, newest first, a page at a time, with their usage against their quota.</summary>
public sealed partial class Files
{
    public const int PageSize = 50;

    private readonly List<StoredFile> _files = [];
    private readonly CancellationTokenSource _disposed = new();
    private FileUsage? _usage;
    private Guid? _nextBefore;
    private Guid? _deleting;
    private string? _error;
    private bool _loaded;
    private TimeSpan _utcOffset;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>How often the list follows processing files, and new ones uploaded elsewhere when none is processing.</summary>
    internal static readonly TimeSpan BusyRefresh = TimeSpan.FromSeconds(1.5);
    internal static readonly TimeSpan IdleRefresh = TimeSpan.FromSeconds(5);

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        _ = FollowAsync(_disposed.Token);
    }

    /// <summary>
    /// Keeps the list current without reloading it: each tick reads the newest page once, updates the files it shows in
    /// place (status, progress, pages) and adds files uploaded since at the top; older pages loaded with "Load more" stay.
    /// </summary>
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_files.All(f => f.IsSettled) ? IdleRefresh : BusyRefresh, cancellationToken);
                FilePage page;
                try
                {
                    page = await Gateway.ListFilesAsync(before: null, PageSize, cancellationToken);
                }
                catch (GatewayException)
                {
                    // A missed tick is retried at the next; Refresh shows the error.
                    continue;
                }
                var added = page.Files.Where(f => _files.All(known => known.Id != f.Id)).ToList();
                for (var i = 0; i < _files.Count; i++)
                {
                    if (page.Files.FirstOrDefault(f => f.Id == _files[i].Id) is { } fresh)
                    {
                        _files[i] = fresh;
                    }
                }
                _files.InsertRange(0, added.Where(f => _files.Count == 0 || f.CreatedAt >= _files[0].CreatedAt));
                _usage = page.Usage;
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
            // The page was left.
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        try
        {
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/chat.js");
            _utcOffset = TimeSpan.FromMinutes(-await module.InvokeAsync<int>("timezoneOffsetMinutes"));
            StateHasChanged();
        }
        catch (JSDisconnectedException)
        {
        }
    }

    private async Task ReloadAsync()
    {
        _deleting = null;
        await LoadAsync(before: null);
    }

    private Task LoadMoreAsync() => LoadAsync(_nextBefore);

    private async Task LoadAsync(Guid? before)
    {
        try
        {
            var page = await Gateway.ListFilesAsync(before, PageSize, _disposed.Token);
            if (before is null)
            {
                _files.Clear();
            }
            _files.AddRange(page.Files.Where(f => _files.All(known => known.Id != f.Id)));
            _nextBefore = page.NextBefore;
            _usage = page.Usage;
            _error = null;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _error = e.Message;
        }
        finally
        {
            _loaded = true;
        }
    }

    private async Task DeleteAsync(StoredFile file)
    {
        _deleting = null;
        try
        {
            await Gateway.DeleteFileAsync(file.Id, _disposed.Token);
        }
        catch (GatewayException e) when (e.Status == 404)
        {
            // Already gone (deleted in another tab): the list only has to follow.
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _error = $"“{file.Name}” could not be deleted: {e.Message}";
            return;
        }
        _files.RemoveAll(f => f.Id == file.Id);
        if (_usage is { } usage)
        {
            _usage = usage with { Bytes = Math.Max(0, usage.Bytes - file.SizeBytes), Files = Math.Max(0, usage.Files - 1) };
        }
    }

    internal static string StatusText(StoredFile file) => file.Status switch
    {
        FileStatus.Uploading => "Uploading",
        FileStatus.Pending => "Waiting",
        FileStatus.Processing => $"Processing {file.Progress}%",
        FileStatus.Ready => file.Pages is { } pages and > 0 ? $"Ready · {pages} {(pages == 1 ? "page" : "pages")}" : "Ready",
        FileStatus.Failed => "Failed",
        _ => "Quarantined",
    };

    internal static int Percent(long used, long max) => (int)Math.Round(Fraction(used, max) * 100);

    internal static double Fraction(long used, long max) => max <= 0 ? 0 : Math.Clamp((double)used / max, 0, 1);

    private void HandleSignedOut(GatewayException e)
    {
        if (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
        }
    }

    public ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        return ValueTask.CompletedTask;
    }
}

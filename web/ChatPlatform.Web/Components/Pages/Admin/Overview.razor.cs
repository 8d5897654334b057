using System.Globalization;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// The console's live overview: the gateway's <c>/v1/admin/metrics</c> and chat's answers per minute, read again every
/// few seconds while the page is open and re-rendered in place (no reload). Not while its tab is hidden: every read
/// counts against the admin's request rate, and a few hidden tabs would use it all up. It reads again at once when the
/// tab is shown.
/// </summary>
public sealed partial class Overview
{
    public const int WindowMinutes = 30;
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(3);

    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    private readonly CancellationTokenSource _disposed = new();
    private AdminMetrics? _metrics;
    private ChatStats? _stats;
    private string? _error;
    private long _refreshes;
    private ElementReference _chart;
    private IJSObjectReference? _charts;
    private TimeSpan _utcOffset;
    private TaskCompletionSource _visible = Shown();
    private DotNetObjectReference<Overview>? _self;
    private IJSObjectReference? _visibility;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Inject] private TimeProvider Time { get; set; } = default!;

    /// <summary>Whether the tab is hidden (the browser said so).</summary>
    private bool Hidden => !_visible.Task.IsCompleted;

    /// <summary>Whether the refresh came due while the tab was hidden and waits for it to be shown.</summary>
    private bool _paused;

    protected override async Task OnInitializedAsync()
    {
        await RefreshAsync();
        _ = RefreshUntilDisposedAsync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        try
        {
            if (_charts is null)
            {
                _charts = await JS.InvokeAsync<IJSObjectReference>("import", "./js/admin.js");
                _self = DotNetObjectReference.Create(this);
                _visibility = await _charts.InvokeAsync<IJSObjectReference>("watchVisibility", _self);
                await using var chat = await JS.InvokeAsync<IJSObjectReference>("import", "./js/chat.js");
                _utcOffset = TimeSpan.FromMinutes(-await chat.InvokeAsync<int>("timezoneOffsetMinutes"));
            }
            if (_stats is { } stats && _metrics is not null)
            {
                var minutes = Minutes(stats, DateTimeOffset.UtcNow);
                await _charts.InvokeVoidAsync("renderTurns", _chart,
                    minutes.Select(m => m.Minute.ToOffset(_utcOffset).ToString("HH:mm", Culture)).ToArray(),
                    minutes.Select(m => m.Answers).ToArray(), minutes.Select(m => m.Errors).ToArray());
            }
        }
        catch (JSDisconnectedException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException) when (_disposed.IsCancellationRequested)
        {
            // The admin left the page while its scripts loaded: DisposeAsync disposed the module under this render,
            // and there is nothing left to draw. Uncaught, this ended the admin's whole circuit.
        }
    }

    private async Task RefreshUntilDisposedAsync()
    {
        var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
                if (Hidden)
                {
                    // Hidden: nothing is read until the tab is shown, then the figures are read at once, and the next
                    // read comes a whole interval later (the tick the timer kept while hidden is dropped).
                    await InvokeAsync(() => SetPaused(true));
                    await _visible.Task.WaitAsync(_disposed.Token);
                    await InvokeAsync(() => SetPaused(false));
                    timer.Dispose();
                    timer = new PeriodicTimer(RefreshInterval, Time);
                }
                await InvokeAsync(async () =>
                {
                    await RefreshAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            timer.Dispose();
        }
    }

    /// <summary>The browser's <c>visibilitychange</c> (admin.js): hidden pauses the refresh, visible resumes it.</summary>
    [JSInvokable]
    public Task OnVisibilityChanged(bool visible) => InvokeAsync(() =>
    {
        if (visible)
        {
            _visible.TrySetResult();
        }
        else if (!Hidden)
        {
            _visible = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    });

    private void SetPaused(bool paused)
    {
        _paused = paused;
        StateHasChanged();
    }

    private static TaskCompletionSource Shown()
    {
        var shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shown.SetResult();
        return shown;
    }

    private async Task RefreshAsync()
    {
        try
        {
            var metrics = Gateway.GetAdminMetricsAsync(_disposed.Token);
            var stats = Gateway.GetChatStatsAsync(WindowMinutes, _disposed.Token);
            _metrics = await metrics;
            _stats = await stats;
            _error = null;
            _refreshes++;
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
    }

    /// <summary>Every minute of the window, the quiet ones as zeros, so the bars keep their places as time goes on.</summary>
    internal static IReadOnlyList<ChatStatsMinute> Minutes(ChatStats stats, DateTimeOffset now)
    {
        var byMinute = stats.PerMinute.ToDictionary(m => m.Minute.UtcTicks);
        var last = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        return [.. Enumerable.Range(0, stats.WindowMinutes).Reverse()
            .Select(i => last.AddMinutes(-i))
            .Select(minute => byMinute.TryGetValue(minute.UtcTicks, out var found) ? found : new ChatStatsMinute(minute, 0, 0))];
    }

    private static string Ms(double? value) => value is { } v ? $"{v.ToString("N0", Culture)} ms" : "–";

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_charts is not null)
        {
            try
            {
                if (_visibility is not null)
                {
                    await _visibility.InvokeVoidAsync("dispose");
                    await _visibility.DisposeAsync();
                }
                await _charts.InvokeVoidAsync("dispose", _chart);
                await _charts.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
        _self?.Dispose();
        _disposed.Dispose();
    }
}

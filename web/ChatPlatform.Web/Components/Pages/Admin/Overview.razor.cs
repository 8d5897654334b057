using System.Globalization;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// The console's live overview: the gateway's <c>/v1/admin/metrics</c> and chat's answers per minute, read again every
/// few seconds while the page is open and re-rendered in place (no reload).
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

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

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
    }

    private async Task RefreshUntilDisposedAsync()
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
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
                await _charts.InvokeVoidAsync("dispose", _chart);
                await _charts.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
        _disposed.Dispose();
    }
}

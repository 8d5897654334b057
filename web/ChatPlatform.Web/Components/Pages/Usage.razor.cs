using System.Globalization;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>The signed-in person's usage: totals, cost and tokens per day as a chart, and a table by model.</summary>
public sealed partial class Usage
{
    private static readonly int[] Periods = [7, 30, 90];

    private readonly CancellationTokenSource _disposed = new();
    private UsageReport? _byDay;
    private UsageReport? _byModel;
    private ElementReference _chart;
    private IJSObjectReference? _module;
    private bool _chartStale;
    private string? _error;
    private bool _loaded;
    private DateTimeOffset _now;
    private TimeSpan _utcOffset;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private int Days { get; set; } = 30;

    protected override Task OnInitializedAsync() => ReloadAsync();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await ReadUtcOffsetAsync();
        }
        if (!_chartStale || _byDay is not { } report || _chart.Context is null)
        {
            return;
        }
        _chartStale = false;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/usage.js");
            // Every day of the period, those without answers at zero, so that the bars keep their places.
            var rows = report.Rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
            var days = Enumerable.Range(0, report.To.DayNumber - report.From.DayNumber + 1).Select(report.From.AddDays).ToList();
            var keys = days.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
            await _module.InvokeVoidAsync("renderDaily", _chart,
                days.Select(d => d.ToString("d MMM", CultureInfo.InvariantCulture)).ToArray(),
                keys.Select(k => rows.TryGetValue(k, out var r) ? r.CostUsd : 0m).ToArray(),
                keys.Select(k => rows.TryGetValue(k, out var r) ? r.OutputTokens : 0L).ToArray());
        }
        catch (JSDisconnectedException)
        {
        }
    }

    /// <summary>The quotas' reset times are shown at the browser's local time, which only the browser knows.</summary>
    private async Task ReadUtcOffsetAsync()
    {
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/usage.js");
            var offset = TimeSpan.FromMinutes(-await _module.InvokeAsync<int>("timezoneOffsetMinutes"));
            if (offset != _utcOffset)
            {
                _utcOffset = offset;
                StateHasChanged();
            }
        }
        catch (JSDisconnectedException)
        {
        }
    }

    private async Task ReloadAsync()
    {
        _now = Time.GetUtcNow();
        var to = DateOnly.FromDateTime(_now.UtcDateTime);
        var from = to.AddDays(1 - Days);
        try
        {
            var byDay = Gateway.GetUsageAsync(from, to, "day", _disposed.Token);
            var byModel = Gateway.GetUsageAsync(from, to, "model", _disposed.Token);
            (_byDay, _byModel) = (await byDay, await byModel);
            _chartStale = true;
            _error = null;
        }
        catch (GatewayException e)
        {
            if (e.IsUnauthorized)
            {
                Navigation.NavigateTo("signin", forceLoad: true);
            }
            _error = e.Message;
        }
        finally
        {
            _loaded = true;
        }
    }

    /// <summary>Dollars to the cent, and a fraction of a cent shown as such rather than as $0.00.</summary>
    internal static string Money(decimal usd) => usd switch
    {
        0m => "$0.00",
        < 0.01m => "< $0.01",
        _ => usd.ToString("$#,##0.00", CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("dispose", _chart);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }
}

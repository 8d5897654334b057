using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// The console's usage and cost: everyone's answers, tokens and dollars over the last days, by model, day or user (top
/// spenders first), and the ledger's entries of the period as CSV (streamed by billing through the web server).
/// </summary>
public sealed partial class AdminUsage : IDisposable
{
    private static readonly int[] Periods = [1, 7, 30, 90];

    private readonly CancellationTokenSource _disposed = new();
    private readonly List<UsageRow> _rows = [];
    private UsageReport? _report;
    private string? _error;
    private bool _loaded;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private int Days { get; set; } = 30;

    private string GroupBy { get; set; } = "model";

    private string KeyName => GroupBy switch { "day" => "Day", "user" => "User", _ => "Model" };

    private DateOnly To => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    private DateOnly From => To.AddDays(1 - Days);

    private string ExportLink => $"api/admin/usage/export.csv?from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}";

    protected override Task OnInitializedAsync() => ReloadAsync();

    private Task ReloadAsync()
    {
        _rows.Clear();
        return LoadAsync(offset: 0);
    }

    private Task LoadMoreAsync() => LoadAsync(_report?.NextOffset ?? 0);

    private async Task LoadAsync(int offset)
    {
        try
        {
            _report = await Gateway.GetAdminUsageAsync(From, To, GroupBy, offset, _disposed.Token);
            _rows.AddRange(_report.Rows);
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

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}

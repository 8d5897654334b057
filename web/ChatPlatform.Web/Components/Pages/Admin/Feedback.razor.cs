using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>The most recent thumbs up and down on answers, across every user, with the model that wrote each answer.</summary>
public sealed partial class Feedback : IDisposable
{
    private const int Limit = 100;

    private readonly CancellationTokenSource _disposed = new();
    private IReadOnlyList<AdminFeedbackItem> _items = [];
    private string? _error;
    private bool _loaded;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>"12 up, 3 down in the last 15", so a model that draws complaints stands out.</summary>
    internal string Summary =>
        $"{_items.Count(i => i.Rating == "up")} up, {_items.Count(i => i.Rating == "down")} down in the last {_items.Count}.";

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _error = null;
        try
        {
            _items = await Gateway.ListRecentFeedbackAsync(Limit, _disposed.Token);
        }
        catch (GatewayException e) when (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
        }
        catch (GatewayException e)
        {
            _error = e.Status == 403 ? "Only admins can see feedback." : e.Message;
        }
        _loaded = true;
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}

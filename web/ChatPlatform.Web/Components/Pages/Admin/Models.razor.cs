using System.Globalization;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// The model catalog: enable or disable a model, choose the tiers that may use it (the router enforces both on every
/// request and lists a model only to the tiers allowed) and whether it takes a sampling temperature (reasoning models
/// reject one: the router drops it and the chat offers none), with the prices of the deployments serving it.
/// </summary>
public sealed partial class Models : IDisposable
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    private readonly CancellationTokenSource _disposed = new();
    private List<ModelRow> _rows = [];
    private string? _error;
    private string? _saved;
    private bool _loaded;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            var models = Gateway.ListAdminModelsAsync(_disposed.Token);
            var deployments = Gateway.ListDeploymentsAsync(_disposed.Token);
            var byModel = (await deployments).ToLookup(d => d.ModelId, StringComparer.Ordinal);
            _rows = [.. (await models).Select(m => ModelRow.From(m, byModel[m.Id].ToList()))];
            _error = null;
            _loaded = true;
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
    }

    private async Task SaveAsync(ModelRow row)
    {
        _saved = null;
        try
        {
            // An empty list opens the model to every tier again (docs: README, model router).
            await Gateway.PatchModelAsync(row.Id, new
            {
                enabled = row.Enabled,
                tiers = ParseTiers(row.Tiers),
                capabilities = new { temperature = row.Temperature },
            }, _disposed.Token);
            await LoadAsync();
            _saved = $"Saved {row.Id}.";
        }
        catch (GatewayException e)
        {
            _error = e.Errors.Count == 0 ? e.Message : string.Join(" ", e.Errors.Select(f => $"{f.Key}: {string.Join(" ", f.Value)}"));
        }
    }

    internal static string[] ParseTiers(string? text) =>
        [.. (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    internal sealed class ModelRow
    {
        public string Id { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public int ContextWindow { get; init; }
        public string Deployments { get; init; } = "";
        public string Prices { get; init; } = "";
        public string Tiers { get; set; } = "";
        public bool Enabled { get; set; }
        public bool Temperature { get; set; }

        public static ModelRow From(AdminModel model, IReadOnlyList<AdminDeployment> deployments) => new()
        {
            Id = model.Id,
            DisplayName = model.DisplayName,
            ContextWindow = model.ContextWindow,
            Deployments = deployments.Count == 0 ? "none" : string.Join(", ", deployments.Select(d => d.Id)),
            Prices = deployments.Count == 0 ? "–" : string.Join(", ", deployments
                .Select(d => $"{d.Price.InputPerMillion.ToString("0.####", Culture)} / {d.Price.OutputPerMillion.ToString("0.####", Culture)}")
                .Distinct(StringComparer.Ordinal)),
            Tiers = model.Tiers is { } tiers ? string.Join(", ", tiers) : "",
            Enabled = model.Enabled,
            // A router that does not send capabilities yet has every model take one (the column's default).
            Temperature = model.Capabilities?.Temperature ?? true,
        };
    }
}

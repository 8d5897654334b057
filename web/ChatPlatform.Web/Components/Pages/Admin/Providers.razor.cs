using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// Every deployment with what the router has seen of it (circuit, first-token time, error rate), and its routing
/// settings edited in place: weight, priority, prices, enabled. Adds and removes go through the router's admin API,
/// which validates, audits and reloads every router instance.
/// </summary>
public sealed partial class Providers : IDisposable
{
    internal static readonly string[] ProviderNames = ["Simulator", "OpenAI", "AzureOpenAI", "OpenAICompatible", "Anthropic"];

    private readonly CancellationTokenSource _disposed = new();
    private List<DeploymentRow> _rows = [];
    private Dictionary<string, DeploymentHealth> _health = [];
    private DeploymentRow _new = DeploymentRow.Blank();
    private string? _removing;
    private string? _error;
    private string? _saved;
    private bool _loaded;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            var deployments = Gateway.ListDeploymentsAsync(_disposed.Token);
            var health = Gateway.GetProvidersHealthAsync(_disposed.Token);
            _rows = [.. (await deployments).Select(DeploymentRow.From)];
            _health = (await health).Deployments.ToDictionary(d => d.Id, StringComparer.Ordinal);
            _error = null;
            _loaded = true;
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
    }

    private async Task SaveAsync(DeploymentRow row)
    {
        await RunAsync($"Saved {row.Id}.", () => Gateway.SaveDeploymentAsync(row.Id, new
        {
            priority = row.Priority,
            weight = row.Weight,
            // A cached price that was the input price follows it (the router's default when none is sent).
            price = new
            {
                inputPerMillion = row.InputPerMillion,
                cachedInputPerMillion = row.CachedFollowsInput ? (decimal?)null : row.CachedInputPerMillion,
                outputPerMillion = row.OutputPerMillion,
            },
            enabled = row.Enabled,
        }, create: false, _disposed.Token));
    }

    private async Task AddAsync()
    {
        var row = _new;
        if (string.IsNullOrWhiteSpace(row.Id))
        {
            _error = "The deployment needs an id.";
            return;
        }
        await RunAsync($"Added {row.Id}.", async () =>
        {
            await Gateway.SaveDeploymentAsync(row.Id.Trim(), new
            {
                modelId = row.ModelId,
                provider = row.Provider,
                providerModel = row.ProviderModel,
                endpoint = string.IsNullOrWhiteSpace(row.Endpoint) ? null : row.Endpoint,
                apiKeySetting = string.IsNullOrWhiteSpace(row.ApiKeySetting) ? null : row.ApiKeySetting,
                priority = row.Priority,
                weight = row.Weight,
                price = new { inputPerMillion = row.InputPerMillion, outputPerMillion = row.OutputPerMillion },
                enabled = true,
            }, create: true, _disposed.Token);
            _new = DeploymentRow.Blank();
        });
    }

    private async Task RemoveAsync(string id)
    {
        _removing = null;
        await RunAsync($"Removed {id}.", () => Gateway.DeleteDeploymentAsync(id, _disposed.Token));
    }

    // A refused change shows the router's reasons (field by field) and leaves the table as the router has it.
    private async Task RunAsync(string done, Func<Task> change)
    {
        _saved = null;
        try
        {
            await change();
            _error = null;
            await LoadAsync();
            _saved = done;
        }
        catch (GatewayException e)
        {
            _error = e.Errors.Count == 0 ? e.Message : string.Join(" ", e.Errors.Select(f => $"{f.Key}: {string.Join(" ", f.Value)}"));
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    /// <summary>A deployment as the form edits it.</summary>
    internal sealed class DeploymentRow
    {
        public string Id { get; set; } = "";
        public string ModelId { get; set; } = "";
        public string Provider { get; set; } = "Simulator";
        public string ProviderModel { get; set; } = "";
        public string? Endpoint { get; set; }
        public string? ApiKeySetting { get; set; }
        public int Priority { get; set; }
        public int Weight { get; set; } = 1;
        public decimal InputPerMillion { get; set; }
        public decimal CachedInputPerMillion { get; set; }
        public decimal OutputPerMillion { get; set; }
        public bool Enabled { get; set; } = true;
        public bool CachedFollowsInput { get; init; } = true;

        public static DeploymentRow Blank() => new();

        public static DeploymentRow From(AdminDeployment d) => new()
        {
            Id = d.Id, ModelId = d.ModelId, Provider = d.Provider, ProviderModel = d.ProviderModel, Endpoint = d.Endpoint,
            ApiKeySetting = d.ApiKeySetting, Priority = d.Priority, Weight = d.Weight, InputPerMillion = d.Price.InputPerMillion,
            CachedInputPerMillion = d.Price.CachedInputPerMillion, OutputPerMillion = d.Price.OutputPerMillion, Enabled = d.Enabled,
            CachedFollowsInput = d.Price.CachedInputPerMillion == d.Price.InputPerMillion,
        };
    }
}

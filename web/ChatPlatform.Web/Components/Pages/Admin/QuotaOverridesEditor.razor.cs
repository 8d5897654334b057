using System.Globalization;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Pages.Admin;

/// <summary>
/// Reads a user's quota overrides, lets an admin change the four limits (tokens and cost, per day and per month) and
/// saves them with one PUT. Values are checked here first so that a typo never reaches the gateway; the gateway's own
/// 400 (and 403, 404) is shown in place, next to its field when it names one.
/// </summary>
public sealed partial class QuotaOverridesEditor : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly string _id = $"quota-{Guid.NewGuid():N}";
    private readonly LimitField[] _fields =
    [
        new("daily.tokens", "Daily tokens", isCost: false),
        new("daily.costUsd", "Daily cost (USD)", isCost: true),
        new("monthly.tokens", "Monthly tokens", isCost: false),
        new("monthly.costUsd", "Monthly cost (USD)", isCost: true),
    ];

    private bool _loaded;
    private bool _loadFailed;
    private bool _saving;
    private string? _error;

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Parameter, EditorRequired] public AdminUser User { get; set; } = default!;

    [Parameter] public EventCallback OnClose { get; set; }

    /// <summary>Called with the saved overrides once the gateway took them.</summary>
    [Parameter] public EventCallback<QuotaOverrides> OnSaved { get; set; }

    protected override async Task OnInitializedAsync()
    {
        try
        {
            Show(await Gateway.GetQuotaOverridesAsync(User.Id, _disposed.Token));
        }
        catch (GatewayException e)
        {
            _loadFailed = true;
            Fail(e);
        }
        _loaded = true;
    }

    private async Task SaveAsync()
    {
        _error = null;
        if (Read() is not { } overrides)
        {
            _error = "Fix the marked limits: whole tokens or dollars, 0 or more, or blank for the tier's value.";
            return;
        }
        _saving = true;
        try
        {
            var saved = await Gateway.SetQuotaOverridesAsync(User.Id, overrides, _disposed.Token);
            Show(saved);
            await OnSaved.InvokeAsync(saved);
        }
        catch (GatewayException e)
        {
            Fail(e);
        }
        finally
        {
            _saving = false;
        }
    }

    private void Show(QuotaOverrides overrides)
    {
        _fields[0].Text = overrides.Daily.Tokens?.ToString(CultureInfo.InvariantCulture);
        _fields[1].Text = overrides.Daily.CostUsd?.ToString(CultureInfo.InvariantCulture);
        _fields[2].Text = overrides.Monthly.Tokens?.ToString(CultureInfo.InvariantCulture);
        _fields[3].Text = overrides.Monthly.CostUsd?.ToString(CultureInfo.InvariantCulture);
        foreach (var field in _fields)
        {
            field.Error = null;
        }
    }

    /// <summary>The four limits, or null (each bad field marked) when one is not a number of its kind.</summary>
    private QuotaOverrides? Read()
    {
        var valid = true;
        foreach (var field in _fields)
        {
            field.Error = field.Check();
            valid &= field.Error is null;
        }
        if (!valid)
        {
            return null;
        }
        return new QuotaOverrides(
            new QuotaLimits(_fields[0].Tokens, _fields[1].Cost),
            new QuotaLimits(_fields[2].Tokens, _fields[3].Cost));
    }

    private void Fail(GatewayException e)
    {
        if (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
            return;
        }
        foreach (var field in _fields)
        {
            field.Error = e.Errors.FirstOrDefault(pair => field.Names(pair.Key)).Value is { Length: > 0 } messages ? string.Join(" ", messages) : null;
        }
        _error = e.Status == 403 ? "Only admins can change quotas." : e.Message;
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private sealed class LimitField(string key, string label, bool isCost)
    {
        // Above these a limit is a typo rather than a limit (and a token count must fit a long).
        private const long MaxTokens = 1_000_000_000_000;
        private const decimal MaxCost = 1_000_000m;

        public string Key { get; } = key;

        public string Label { get; } = label;

        /// <summary>The key without its dot, which an element id could keep but a CSS selector would read as a class.</summary>
        public string IdPart => Key.Replace('.', '-');

        public bool IsCost { get; } = isCost;

        public string? Text { get; set; }

        public string? Error { get; set; }

        public long? Tokens => string.IsNullOrWhiteSpace(Text) ? null : long.Parse(Text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

        public decimal? Cost => string.IsNullOrWhiteSpace(Text) ? null : decimal.Parse(Text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

        public string? Check()
        {
            if (string.IsNullOrWhiteSpace(Text))
            {
                return null;
            }
            var text = Text.Trim();
            if (IsCost)
            {
                return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cost) && cost <= MaxCost && decimal.Round(cost, 6) == cost
                    ? null
                    : "A dollar amount of 0 or more, like 2.50.";
            }
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var tokens) && tokens <= MaxTokens
                ? null
                : "A whole number of tokens, 0 or more.";
        }

        /// <summary>Whether a problem's error key (<c>overrides.daily.tokens</c>, <c>Daily.CostUsd</c>...) is this field.</summary>
        public bool Names(string errorKey) =>
            errorKey.EndsWith(Key, StringComparison.OrdinalIgnoreCase)
            && (errorKey.Length == Key.Length || errorKey[^(Key.Length + 1)] is '.' or '$');
    }
}

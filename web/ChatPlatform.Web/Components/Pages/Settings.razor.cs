using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>
/// The person's settings, kept at the gateway so they follow them to every device: name, default model, theme,
/// Enter-to-send and the default system prompt for new chats; and changing the password.
/// </summary>
public sealed partial class Settings
{
    /// <summary>The gateway's bound (SettingsRules), the same as a conversation's own system prompt.</summary>
    private const int SystemPromptLimit = 100_000;

    private static readonly (string Value, string Label)[] Themes = [("system", "Match the system"), ("light", "Light"), ("dark", "Dark")];

    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    private readonly PreferencesForm _preferences = new();
    private IReadOnlyList<ModelInfo> _models = [];
    private string? _email;
    private string? _displayName;
    private bool _loaded;
    private bool _saving;
    private string? _error;
    private string? _profileStatus;
    private string? _preferencesStatus;
    private IReadOnlyDictionary<string, string[]> _preferencesErrors = NoErrors;
    private string _currentPassword = "";
    private string _newPassword = "";
    private string _repeatPassword = "";
    private string? _passwordStatus;
    private IReadOnlyDictionary<string, string[]> _passwordErrors = NoErrors;

    [Inject] private GatewayClient Gateway { get; set; } = default!;

    [Inject] private UserSession Session { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _email = (await Session.UserAsync()).Identity?.Name;
        try
        {
            var settings = Gateway.GetSettingsAsync(CancellationToken.None);
            var models = Gateway.ListModelsAsync(CancellationToken.None);
            Show(await settings);
            _models = await models;
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
        _loaded = true;
    }

    private void Show(UserSettings settings)
    {
        _displayName = settings.DisplayName;
        _preferences.DefaultModel = settings.DefaultModel ?? "";
        _preferences.Theme = settings.Theme;
        _preferences.EnterToSend = settings.EnterToSend;
        _preferences.SystemPrompt = settings.SystemPrompt;
    }

    private async Task SaveNameAsync()
    {
        _profileStatus = null;
        await SaveAsync(async () =>
        {
            _displayName = (await Gateway.SaveDisplayNameAsync(_displayName?.Trim() ?? "", CancellationToken.None)).DisplayName;
            _profileStatus = "Name saved.";
        }, errors => _profileStatus = string.Join(" ", errors.Values.SelectMany(m => m)));
    }

    private async Task SavePreferencesAsync()
    {
        _preferencesStatus = null;
        _preferencesErrors = NoErrors;
        await SaveAsync(async () =>
        {
            var saved = await Gateway.SaveSettingsAsync(_preferences.ToSettings(), CancellationToken.None);
            Show(saved);
            _preferencesStatus = "Preferences saved.";
            await ApplyThemeAsync(saved.Theme);
        }, errors => _preferencesErrors = errors);
    }

    private async Task ChangePasswordAsync()
    {
        _passwordStatus = null;
        _passwordErrors = NoErrors;
        if (_newPassword != _repeatPassword)
        {
            _passwordErrors = new Dictionary<string, string[]> { ["repeatPassword"] = ["The new passwords do not match."] };
            return;
        }
        await SaveAsync(async () =>
        {
            try
            {
                await Gateway.ChangePasswordAsync(_currentPassword, _newPassword, CancellationToken.None);
            }
            catch (GatewayException e) when (e.Status is 403 or 429)
            {
                // A wrong current password (or too many): said beside the form, not as a page-wide failure.
                _passwordErrors = new Dictionary<string, string[]> { ["currentPassword"] = [e.Message] };
                return;
            }
            _currentPassword = _newPassword = _repeatPassword = "";
            _passwordStatus = "Password changed. Your other sessions were signed out.";
        }, errors => _passwordErrors = errors);
    }

    /// <summary>Runs a save; a 400's field errors go to <paramref name="invalid"/>, any other refusal to the page's banner.</summary>
    private async Task SaveAsync(Func<Task> save, Action<IReadOnlyDictionary<string, string[]>> invalid)
    {
        _saving = true;
        _error = null;
        try
        {
            await save();
        }
        catch (GatewayException e) when (e.Status == 400 && e.Errors.Count > 0)
        {
            invalid(e.Errors);
        }
        catch (GatewayException e)
        {
            _error = e.Message;
        }
        finally
        {
            _saving = false;
        }
    }

    /// <summary>This browser follows the saved theme at once (theme.js keeps it for the next page's first paint).</summary>
    private async Task ApplyThemeAsync(string theme)
    {
        try
        {
            await JS.InvokeVoidAsync("chatPlatformTheme.apply", theme);
        }
        catch (JSDisconnectedException)
        {
        }
    }

    private sealed class PreferencesForm
    {
        public string DefaultModel { get; set; } = "";

        public string Theme { get; set; } = "system";

        public bool EnterToSend { get; set; } = true;

        public string? SystemPrompt { get; set; }

        public UserSettings ToSettings() => new(null, DefaultModel.Length == 0 ? null : DefaultModel, Theme, EnterToSend, SystemPrompt);
    }
}

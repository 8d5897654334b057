using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The person's settings as the chat uses them: the default model and system prompt of a new chat, whether Enter sends,
/// and the theme, which this browser is made to follow (and the header's toggle saves, so the other devices follow too).
/// Settings that cannot be read leave the defaults: the chat works without them.
/// </summary>
public sealed class ChatPreferences(GatewayClient gateway, IJSRuntime js)
{
    public UserSettings Current { get; private set; } = UserSettings.Defaults;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Current = await gateway.GetSettingsAsync(cancellationToken);
        }
        catch (GatewayException)
        {
            return;
        }
        await ApplyThemeAsync(Current.Theme);
    }

    /// <summary>Saves a theme chosen on this page (the toggle has already shown it); a failure keeps it on this browser only.</summary>
    public async Task SaveThemeAsync(string theme, CancellationToken cancellationToken)
    {
        if (theme == Current.Theme)
        {
            return;
        }
        try
        {
            Current = await gateway.SaveSettingsAsync(Current with { Theme = theme }, cancellationToken);
        }
        catch (GatewayException)
        {
        }
    }

    private async Task ApplyThemeAsync(string theme)
    {
        try
        {
            await js.InvokeVoidAsync("chatPlatformTheme.apply", theme);
        }
        catch (JSDisconnectedException)
        {
        }
    }
}

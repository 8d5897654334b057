namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The header's toggle switched the theme (chat.js does it in the browser, at once) and says which: one message to the
/// server, sent before anything else can happen, so the choice is saved even when the page is left right after.
/// </summary>
public sealed class ThemeChosenEventArgs : EventArgs
{
    public string Theme { get; set; } = "system";
}

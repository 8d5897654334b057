using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The composer's text is longer than its limit: only its length comes from the browser, never the text
/// (wwwroot/ChatPlatform.Web.lib.module.js raises it on the composer's form in place of the input event).
/// </summary>
public sealed class ComposerTooLongEventArgs : EventArgs
{
    /// <summary>The text's length in UTF-16 code units, as the API counts it.</summary>
    public int Length { get; set; }
}

// Razor finds custom events only on a class named EventHandlers: every custom event of the app is declared here.
[EventHandler("oncomposertoolong", typeof(ComposerTooLongEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
[EventHandler("onthemechosen", typeof(ThemeChosenEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers;

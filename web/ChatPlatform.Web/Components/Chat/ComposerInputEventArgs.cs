using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The composer's input: its text while within the limit, only its length beyond it. The browser sends the text with
/// every keystroke, so a text larger than the circuit takes would close the circuit and lose the message; one over the
/// limit is never sent at all (wwwroot/ChatPlatform.Web.lib.module.js makes these arguments).
/// </summary>
public sealed class ComposerInputEventArgs : EventArgs
{
    /// <summary>The text, or null when it is longer than the textarea's <c>data-max-length</c>.</summary>
    public string? Value { get; set; }

    /// <summary>The text's length in UTF-16 code units, as the API counts it.</summary>
    public int Length { get; set; }
}

[EventHandler("oncomposerinput", typeof(ComposerInputEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>A keyboard shortcut of the chat page (wwwroot/js/chat.js handles them), as the <c>?</c> dialog lists it.</summary>
/// <param name="Keys">The keys, one per <c>kbd</c>; "Ctrl" reads "⌘" on a Mac.</param>
public sealed record Shortcut(string Action, params string[] Keys)
{
    public static IReadOnlyList<Shortcut> All { get; } =
    [
        new("New chat", "Ctrl", "Shift", "O"),
        new("Search chats", "Ctrl", "K"),
        new("Stop the answer", "Esc"),
        new("Focus the message box", "Shift", "Esc"),
        new("Copy the last answer", "Ctrl", "Shift", "C"),
        new("Edit my last message (in an empty message box)", "↑"),
        new("Send the message", "Enter"),
        new("New line", "Shift", "Enter"),
        new("Show these shortcuts", "?"),
    ];
}

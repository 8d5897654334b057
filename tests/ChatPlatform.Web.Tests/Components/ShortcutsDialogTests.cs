using Bunit;
using ChatPlatform.Web.Components.Chat;

namespace ChatPlatform.Web.Tests.Components;

public sealed class ShortcutsDialogTests : BunitContext
{
    public ShortcutsDialogTests() => JSInterop.Mode = JSRuntimeMode.Loose;

    [Fact]
    public void The_dialog_lists_every_shortcut_with_its_keys_and_takes_the_focus()
    {
        var dialog = Render<ShortcutsDialog>(p => p.Add(d => d.Open, true));

        var rows = dialog.FindAll("dl.shortcuts .shortcut");
        Assert.Equal(Shortcut.All.Count, rows.Count);
        var keys = rows.ToDictionary(r => r.QuerySelector("dt")!.TextContent, r => string.Join("+", r.QuerySelectorAll("kbd").Select(k => k.TextContent)));
        Assert.Equal("Ctrl+Shift+O", keys["New chat"]);
        Assert.Equal("Ctrl+K", keys["Search chats"]);
        Assert.Equal("Esc", keys["Stop the answer"]);
        Assert.Equal("Shift+Esc", keys["Focus the message box"]);
        Assert.Equal("Ctrl+Shift+C", keys["Copy the last answer"]);
        Assert.Equal("↑", keys["Edit my last message (in an empty message box)"]);
        Assert.Equal("?", keys["Show these shortcuts"]);
        Assert.Equal("true", dialog.Find("[role=dialog]").GetAttribute("aria-modal"));
        JSInterop.VerifyFocusAsyncInvoke().Arguments[0].ShouldBeElementReferenceTo(dialog.Find("button[aria-label='Close']"));
    }

    [Fact]
    public void Escape_or_the_close_button_closes_it()
    {
        var closed = 0;
        var dialog = Render<ShortcutsDialog>(p => p.Add(d => d.Open, true).Add(d => d.OnClose, () => closed++));

        dialog.Find("[role=dialog]").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Escape" });
        dialog.Find("button[aria-label='Close']").Click();

        Assert.Equal(2, closed);
    }

    [Fact]
    public void A_closed_dialog_renders_nothing()
    {
        var dialog = Render<ShortcutsDialog>(p => p.Add(d => d.Open, false));

        Assert.Empty(dialog.FindAll("[role=dialog]"));
    }
}

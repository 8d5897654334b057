using System.Text.Json.Nodes;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>The open conversation's settings (model, system prompt), the sidebar's actions on it, and the page's frame.</summary>
public sealed partial class Chat
{
    private async Task<bool> CreateConversationAsync(string firstMessage)
    {
        if (SelectedModel is not { } model)
        {
            _turnError = new TurnError("Pick a model first.", null);
            return false;
        }
        try
        {
            var title = TitleFrom(firstMessage);
            _conversation = await Gateway.CreateConversationAsync(new CreateConversationRequest(model, NullIfBlank(_draftSystemPrompt), title), Disposed);
            _list.Prepend(_conversation);
            _modelChoice.Draft = null;
            _modelChoice.Used(model);
            // The next new chat starts from the default again.
            _draftSystemPrompt = _preferences.Current.SystemPrompt;
            if (_draftParameters != NoParameters)
            {
                _conversation = await Gateway.SetParametersAsync(_conversation.Id, _draftParameters, Disposed);
                _draftParameters = NoParameters;
            }
            Navigation.NavigateTo($"c/{_conversation.Id}");
            return true;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = TurnError.From(e, null);
            return false;
        }
    }

    internal static string TitleFrom(string message)
    {
        var line = message.Trim().Split('\n', 2)[0].Trim();
        return line.Length <= MaxTitleLength ? line : line[..(MaxTitleLength - 1)].TrimEnd() + "…";
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private async Task ChangeModelAsync(string model)
    {
        _modelChoice.Used(model);
        if (_conversation is null)
        {
            _modelChoice.Draft = model;
            return;
        }
        await UpdateConversationAsync(new UpdateConversationRequest(Model: model));
    }

    private void ToggleParameters() => _showParameters = !_showParameters;

    private async Task SaveParametersAsync(ConversationParameterValues values)
    {
        if (_conversation is null)
        {
            _draftParameters = values;
            _showParameters = false;
            return;
        }
        try
        {
            _conversation = await Gateway.SetParametersAsync(_conversation.Id, values, Disposed);
            _list.Replace(_conversation);
            _showParameters = false;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError(e.Message, () => SaveParametersAsync(values));
        }
    }

    private void ToggleSystemPrompt()
    {
        _showSystemPrompt = !_showSystemPrompt;
        _systemPromptDraft = SystemPrompt;
    }

    private async Task SaveSystemPromptAsync()
    {
        _showSystemPrompt = false;
        if (_conversation is null)
        {
            _draftSystemPrompt = _systemPromptDraft;
            return;
        }
        // An empty string clears it (absent would leave it unchanged).
        await UpdateConversationAsync(new UpdateConversationRequest(SystemPrompt: _systemPromptDraft?.Trim() ?? ""));
    }

    /// <summary>Whether the open conversation took the change.</summary>
    private async Task<bool> UpdateConversationAsync(UpdateConversationRequest request)
    {
        try
        {
            _conversation = await Gateway.UpdateConversationAsync(_conversation!.Id, request, Disposed);
            _list.Replace(_conversation);
            return true;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError(e.Message, () => UpdateConversationAsync(request));
            return false;
        }
    }

    // ---- The sidebar's actions (docs/conversations.md) ----

    private async Task RenameAsync((Conversation Conversation, string Title) rename)
    {
        if (await _list.RenameAsync(rename.Conversation, rename.Title, Disposed) is { } updated && _conversation?.Id == updated.Id)
        {
            _conversation = updated;
        }
    }

    private async Task DeleteAsync(Conversation conversation)
    {
        if (await _list.DeleteAsync(conversation, Disposed) && _conversation?.Id == conversation.Id)
        {
            NewChat();
        }
    }

    private Task ChangeViewAsync(SidebarView view) => _list.ChangeViewAsync(view, Disposed);

    private Task CreateFolderAsync(string name) => _list.CreateFolderAsync(name, Disposed);

    private Task RenameFolderAsync((Folder Folder, string Name) rename) => _list.RenameFolderAsync(rename.Folder, rename.Name, Disposed);

    private Task DeleteFolderAsync(Folder folder) => _list.DeleteFolderAsync(folder, Disposed);

    private async Task OrganiseAsync((Conversation Conversation, JsonObject Changes) organise)
    {
        if (await _list.OrganiseAsync(organise.Conversation, organise.Changes, Disposed) is { } updated && _conversation?.Id == updated.Id)
        {
            _conversation = updated;
        }
    }

    private async Task BulkAsync((IReadOnlyCollection<Guid> Ids, string Action, Guid? FolderId) bulk)
    {
        if (await _list.BulkAsync(bulk.Ids, bulk.Action, bulk.FolderId, Disposed)
            && bulk.Action == "delete" && _conversation is { } open && bulk.Ids.Contains(open.Id))
        {
            NewChat();
        }
    }

    // ---- The frame ----

    private void NewChat()
    {
        CloseSidebarWhenNarrow();
        Navigation.NavigateTo("");
    }

    private void ToggleSidebar() => _sidebarOpen = !_sidebarOpen;

    private void CloseSidebar() => _sidebarOpen = false;

    private void CloseSidebarWhenNarrow()
    {
        if (_narrow)
        {
            _sidebarOpen = false;
        }
    }

    private async Task CopyAsync(string text)
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("copyText", text);
        }
    }

    private void HandleSignedOut(GatewayException e)
    {
        if (e.IsUnauthorized)
        {
            Navigation.NavigateTo("signin", forceLoad: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Cancelled, not disposed: a turn still unwinding reads its token.
        _disposed.Cancel();
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }
}

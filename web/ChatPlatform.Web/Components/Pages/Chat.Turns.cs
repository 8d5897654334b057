using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>The chat's turns: a message sent, edited or regenerated, each streamed by the <see cref="TurnStreamer"/>.</summary>
public sealed partial class Chat
{
    /// <summary>Sends a message; false when it was refused before its answer began (the composer then gives the text back).</summary>
    private async Task<bool> SendAsync(ComposerMessage message)
    {
        if (Streaming)
        {
            return false;
        }
        _turnError = null;
        var text = message.Text;
        if (_conversation is null && !await CreateConversationAsync(text))
        {
            return false;
        }
        var parent = _thread.Last;
        var user = MessageState.PendingUser(text, parent?.Id, 0, 1, message.Attachments);
        var answer = MessageState.PendingAnswer(null, 0, 1);
        _thread.Add(user);
        _thread.Add(answer);
        var conversationId = _conversation!.Id;
        var fileIds = message.FileIds;
        return await RunTurnAsync(answer, user, ct => Gateway.SendTurnAsync(conversationId, text, null, parentIdGiven: false, ct, fileIds), retry: null);
    }

    private async Task EditAsync((MessageState Message, string Content) edit)
    {
        if (Streaming || _conversation is null)
        {
            return;
        }
        var (original, content) = edit;
        _thread.TruncateFrom(original);
        var siblings = original.SiblingCount + 1;
        // Chat keeps the original's files on an edit that names none.
        var user = MessageState.PendingUser(content, original.ParentId, siblings - 1, siblings, original.Attachments);
        var answer = MessageState.PendingAnswer(null, 0, 1);
        _thread.Add(user);
        _thread.Add(answer);
        var conversationId = _conversation.Id;
        var sent = await RunTurnAsync(answer, user, ct => Gateway.SendTurnAsync(conversationId, content, original.ParentId, parentIdGiven: true, ct),
            () => ReloadAndRetryAsync());
        await RestoreAfterQuotaRefusalAsync(sent);
    }

    private async Task RegenerateAsync(MessageState previous)
    {
        if (Streaming || _conversation is null || previous.Id is not { } previousId)
        {
            return;
        }
        _thread.TruncateFrom(previous);
        var siblings = previous.SiblingCount + 1;
        var answer = MessageState.PendingAnswer(previous.ParentId, siblings - 1, siblings);
        _thread.Add(answer);
        var conversationId = _conversation.Id;
        var sent = await RunTurnAsync(answer, null, ct => Gateway.RegenerateAsync(conversationId, previousId, ct), () => ReloadAndRetryAsync());
        await RestoreAfterQuotaRefusalAsync(sent);
    }

    /// <summary>Goes on with an answer cut at its length limit: a new answer under it, which follows it in the thread.</summary>
    private async Task ContinueAsync(MessageState cut)
    {
        if (Streaming || _conversation is null || cut.Id is not { } cutId)
        {
            return;
        }
        _turnError = null;
        var answer = MessageState.PendingAnswer(cutId, 0, 1);
        _thread.Add(answer);
        var conversationId = _conversation.Id;
        await RunTurnAsync(answer, null, ct => Gateway.ContinueAsync(conversationId, cutId, ct), () => ContinueAsync(cut));
    }

    /// <summary>A new version of an answer by another model, which becomes the conversation's (it answers what follows).</summary>
    private async Task RegenerateWithAsync((MessageState Message, string Model) pick)
    {
        if (Streaming || _conversation is null)
        {
            return;
        }
        _modelChoice.Used(pick.Model);
        if (_conversation.Model == pick.Model || await UpdateConversationAsync(new UpdateConversationRequest(Model: pick.Model)))
        {
            await RegenerateAsync(pick.Message);
        }
    }

    /// <summary>Streams a turn; false when it was refused before the stream began, which is shown (with <paramref name="retry"/> when given).</summary>
    private async Task<bool> RunTurnAsync(
        MessageState answer, MessageState? user, Func<CancellationToken, IAsyncEnumerable<TurnEvent>> open, Func<Task>? retry)
    {
        if (await _turns.RunAsync(_conversation!.Id, answer, user, open) is not { } refusal)
        {
            return true;
        }
        HandleSignedOut(refusal);
        _turnError = TurnError.From(refusal, retry);
        return false;
    }

    /// <summary>
    /// An edit or a regenerate hid the messages after the one it replaces; over quota nothing replaced them and a retry
    /// would be refused again, so they are shown again, with the refusal after them.
    /// </summary>
    private async Task RestoreAfterQuotaRefusalAsync(bool sent)
    {
        if (!sent && _turnError?.Quota is not null)
        {
            await ReloadConversationAsync();
        }
    }

    /// <summary>A failed answer is regenerated; one whose connection was lost is resumed.</summary>
    private Task RetryAsync(MessageState message)
    {
        message.Error = null;
        if (message.IsStreaming)
        {
            message.NotifyChanged();
            return _conversation is null ? Task.CompletedTask : _turns.ResumeAsync(_conversation.Id, message);
        }
        return RegenerateAsync(message);
    }

    private Task RetryTurnAsync() => _turnError?.Retry?.Invoke() ?? Task.CompletedTask;

    private async Task ReloadAndRetryAsync()
    {
        _turnError = null;
        await ReloadConversationAsync();
    }

    private async Task StopAsync()
    {
        if (_conversation is not null && await _turns.StopAsync(_conversation.Id) is { } failure)
        {
            StopFailed(failure);
        }
    }

    private void StopFailed(GatewayException e)
    {
        HandleSignedOut(e);
        _turnError = new TurnError($"Stopping failed: {e.Message}", StopAsync);
    }

    private async Task SwitchBranchAsync((MessageState Message, int Step) change)
    {
        if (Streaming || _conversation is null)
        {
            return;
        }
        var (message, step) = change;
        if (_thread.SiblingOf(message, step) is not { } targetId)
        {
            _turnError = new TurnError("That version is not available on this page yet.", ReloadAndRetryAsync);
            return;
        }
        try
        {
            var detail = await Gateway.SelectBranchAsync(_conversation.Id, targetId, Disposed);
            _conversation = detail.ToConversation();
            _thread.Show(detail.Messages);
            _turnError = null;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError(e.Message, () => SwitchBranchAsync(change));
        }
    }
}

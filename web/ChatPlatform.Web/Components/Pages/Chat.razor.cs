using System.Text.Json.Nodes;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using System.Text.Json;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>
/// The chat: sidebar, conversation and composer. Turns stream from the gateway into this circuit; each delta re-renders
/// only the streaming message, at most every <see cref="RenderInterval"/>.
/// </summary>
public sealed partial class Chat
{
    private static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(33);
    private static readonly TimeSpan[] ResumeDelays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];
    private const int MaxTitleLength = 60;

    private readonly List<MessageState> _messages = [];
    private readonly BranchDirectory _branches = new();
    private readonly CancellationTokenSource _disposed = new();

    private List<Conversation> _conversations = [];
    private IReadOnlyList<Folder> _folders = [];
    private IReadOnlyList<TagCount> _tags = [];
    private SidebarView _view = SidebarView.All;
    private int _listGeneration;
    private string? _nextCursor;
    private string? _conversationsError;
    private readonly ModelChoice _modelChoice = new();
    private string? _modelsError;
    private Conversation? _conversation;
    private string? _draftSystemPrompt;
    private string? _systemPromptDraft;
    private bool _showSystemPrompt;
    private bool _loading;
    private bool _searchOpen;
    // The search result last opened (?m=), and the message still to scroll to once drawn.
    private Guid? _openedMessage;
    private Guid? _scrollTo;
    private string? _loadError;
    private TurnError? _turnError;
    private MessageState? _streaming;
    private CancellationTokenSource? _streamCancellation;
    private bool _stopRequested;
    private bool _sidebarOpen = true;
    private bool _narrow;
    private bool _ready;
    private TimeSpan _utcOffset;
    private string? _email;
    private IJSObjectReference? _module;
    private ChatPreferences _preferences = default!;

    [Parameter] public Guid? ConversationId { get; set; }

    /// <summary>A message to open the conversation at (a search result): its branch is selected and it is scrolled to.</summary>
    [SupplyParameterFromQuery(Name = "m")] public Guid? MessageId { get; set; }

    [Inject] private GatewayClient Gateway { get; set; } = default!;
    [Inject] private UserSession Session { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private ILogger<Chat> Logger { get; set; } = default!;

    private string? SelectedModel => _modelChoice.Selected(_conversation, _conversations);

    private ModelInfo? SelectedModelInfo => _modelChoice.Find(SelectedModel);

    private string? SystemPrompt => _conversation is null ? _draftSystemPrompt : _conversation.SystemPrompt;

    private CancellationToken Disposed => _disposed.Token;

    protected override async Task OnInitializedAsync()
    {
        // Before the first await: the first render reads it.
        _preferences = new ChatPreferences(Gateway, JS);
        _email = (await Session.UserAsync()).Identity?.Name;
        await Task.WhenAll(LoadConversationsAsync(), LoadModelsAsync(), LoadPreferencesAsync());
    }

    protected override async Task OnParametersSetAsync()
    {
        if (MessageId is null)
        {
            _openedMessage = null;
        }
        if (ConversationId is { } openId && MessageId is { } target && target != _openedMessage)
        {
            _openedMessage = target;
            CancelStreamReading();
            _streaming = null;
            _messages.Clear();
            _turnError = null;
            _loadError = null;
            _showSystemPrompt = false;
            await OpenAtMessageAsync(openId, target);
            return;
        }
        if (ConversationId == _conversation?.Id && (ConversationId is not null || _messages.Count == 0 || _streaming is not null))
        {
            return;
        }
        CancelStreamReading();
        _streaming = null;
        _messages.Clear();
        _turnError = null;
        _loadError = null;
        _showSystemPrompt = false;
        if (ConversationId is not { } id)
        {
            _conversation = null;
            return;
        }
        await LoadConversationAsync(id);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            if (_scrollTo is { } message && _module is not null && !_loading)
            {
                _scrollTo = null;
                await _module.InvokeVoidAsync("scrollToMessage", message.ToString());
            }
            return;
        }
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/chat.js");
        var environment = await _module.InvokeAsync<BrowserEnvironment>("init");
        _utcOffset = TimeSpan.FromMinutes(-environment.TimezoneOffsetMinutes);
        _narrow = environment.Narrow;
        _sidebarOpen = !_narrow;
        _ready = true;
        StateHasChanged();
    }

    internal sealed record BrowserEnvironment(int TimezoneOffsetMinutes, bool Narrow);

    /// <summary>An error over the composer; <paramref name="Retry"/> null when there is nothing to retry (a refused message is back in the composer).</summary>
    /// <summary>
    /// A turn's refusal, shown at the end of the log. One over a quota carries it (and no retry: it would be refused
    /// again until the quota resets); a plain rate limit is an ordinary error.
    /// </summary>
    private sealed record TurnError(string Message, Func<Task>? Retry, QuotaRefusal? Quota = null, TimeSpan? RetryAfter = null)
    {
        public static TurnError From(GatewayException e, Func<Task>? retry) =>
            e.Quota is { } quota ? new(e.Message, null, quota, e.RetryAfter) : new(e.Message, retry);
    }

    // ---- Loading ----

    private async Task LoadConversationsAsync()
    {
        try
        {
            // Loads overlap (after a turn, after organising, on a change of view): only the latest started may
            // replace the list, or an older answer would drop a chat created or moved since.
            var generation = ++_listGeneration;
            var loading = Gateway.ListConversationsAsync(null, Disposed, _view);
            var folders = Gateway.ListFoldersAsync(Disposed);
            var tags = Gateway.ListTagsAsync(Disposed);
            var page = await loading;
            var (folderList, tagList) = (await folders, await tags);
            if (generation != _listGeneration)
            {
                return;
            }
            (_folders, _tags) = (folderList, tagList);
            _conversations = [.. page.Items];
            _nextCursor = page.NextCursor;
            _conversationsError = null;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversationsError = e.Message;
        }
    }

    private async Task LoadMoreConversationsAsync()
    {
        try
        {
            var page = await Gateway.ListConversationsAsync(_nextCursor, Disposed, _view);
            _conversations.AddRange(page.Items.Where(c => _conversations.All(known => known.Id != c.Id)));
            _nextCursor = page.NextCursor;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversationsError = e.Message;
        }
    }

    private async Task LoadPreferencesAsync()
    {
        await _preferences.LoadAsync(Disposed);
        _modelChoice.Default = _preferences.Current.DefaultModel;
        _draftSystemPrompt ??= _preferences.Current.SystemPrompt;
    }

    /// <summary>The header's theme toggle (chat.js has already switched it): saved, so the person's other devices follow.</summary>
    private Task SaveToggledThemeAsync(ThemeChosenEventArgs chosen) => _preferences.SaveThemeAsync(chosen.Theme, Disposed);

    private async Task LoadModelsAsync()
    {
        try
        {
            _modelChoice.Models = await Gateway.ListModelsAsync(Disposed);
            _modelsError = _modelChoice.Models.Count == 0 ? "No models are available." : null;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _modelsError = "Models could not be loaded.";
        }
    }

    private Task ReloadConversationAsync() => ConversationId is { } id ? LoadConversationAsync(id) : Task.CompletedTask;

    /// <summary>
    /// Opens the conversation on the branch through <paramref name="messageId"/> (selecting it, as the navigator would)
    /// and scrolls to that message once it is drawn. A message no longer there opens the conversation as it is.
    /// </summary>
    private async Task OpenAtMessageAsync(Guid id, Guid messageId)
    {
        _loading = true;
        try
        {
            var detail = await Gateway.SelectBranchAsync(id, messageId, Disposed);
            _conversation = detail.ToConversation();
            ShowPath(detail.Messages);
            _scrollTo = messageId;
        }
        catch (GatewayException e) when (e.Status == 400)
        {
            _loading = false;
            await LoadConversationAsync(id);
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversation = null;
            _loadError = e.Status == 404 ? "This conversation does not exist or was deleted." : e.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    private async Task LoadConversationAsync(Guid id)
    {
        _loading = true;
        _loadError = null;
        try
        {
            var detail = await Gateway.GetConversationAsync(id, Disposed);
            _conversation = detail.ToConversation();
            ShowPath(detail.Messages);
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversation = null;
            _loadError = e.Status == 404 ? "This conversation does not exist or was deleted." : e.Message;
        }
        finally
        {
            _loading = false;
        }
        // An answer still streaming (the page was reloaded or the connection dropped): pick it up where it is.
        if (_messages.LastOrDefault() is { Role: MessageRole.Assistant, IsStreaming: true } streaming)
        {
            streaming.Replace("");
            _ = ResumeAsync(streaming);
        }
    }

    private void ShowPath(IReadOnlyList<Message> path)
    {
        _messages.Clear();
        foreach (var message in path)
        {
            RememberSibling(message);
            _messages.Add(MessageState.From(message));
        }
    }

    // ---- Turns ----

    /// <summary>Sends a message; false when it was refused before its answer began (the composer then gives the text back).</summary>
    private async Task<bool> SendAsync(ComposerMessage message)
    {
        if (_streaming is not null)
        {
            return false;
        }
        _turnError = null;
        var text = message.Text;
        if (_conversation is null && !await CreateConversationAsync(text))
        {
            return false;
        }
        var parent = _messages.LastOrDefault();
        var user = MessageState.PendingUser(text, parent?.Id, 0, 1, message.Attachments);
        var answer = MessageState.PendingAnswer(null, 0, 1);
        _messages.Add(user);
        _messages.Add(answer);
        var conversationId = _conversation!.Id;
        var fileIds = message.FileIds;
        return await RunTurnAsync(answer, user, ct => Gateway.SendTurnAsync(conversationId, text, null, parentIdGiven: false, ct, fileIds), retry: null);
    }

    private async Task EditAsync((MessageState Message, string Content) edit)
    {
        if (_streaming is not null || _conversation is null)
        {
            return;
        }
        var (original, content) = edit;
        TruncateFrom(original);
        var siblings = original.SiblingCount + 1;
        // Chat keeps the original's files on an edit that names none.
        var user = MessageState.PendingUser(content, original.ParentId, siblings - 1, siblings, original.Attachments);
        var answer = MessageState.PendingAnswer(null, 0, 1);
        _messages.Add(user);
        _messages.Add(answer);
        var conversationId = _conversation.Id;
        var sent = await RunTurnAsync(answer, user, ct => Gateway.SendTurnAsync(conversationId, content, original.ParentId, parentIdGiven: true, ct),
            () => ReloadAndRetryAsync());
        await RestoreAfterQuotaRefusalAsync(sent);
    }

    private async Task RegenerateAsync(MessageState previous)
    {
        if (_streaming is not null || _conversation is null || previous.Id is not { } previousId)
        {
            return;
        }
        TruncateFrom(previous);
        var siblings = previous.SiblingCount + 1;
        var answer = MessageState.PendingAnswer(previous.ParentId, siblings - 1, siblings);
        _messages.Add(answer);
        var conversationId = _conversation.Id;
        var sent = await RunTurnAsync(answer, null, ct => Gateway.RegenerateAsync(conversationId, previousId, ct), () => ReloadAndRetryAsync());
        await RestoreAfterQuotaRefusalAsync(sent);
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
            return ResumeAsync(message);
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
        if (_streaming is not { } streaming || _conversation is null)
        {
            return;
        }
        _stopRequested = true;
        if (streaming.Id is { } id)
        {
            await SignalStopAsync(_conversation.Id, id);
        }
    }

    private async Task SignalStopAsync(Guid conversationId, Guid messageId)
    {
        try
        {
            await Gateway.StopAsync(conversationId, messageId, Disposed);
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError($"Stopping failed: {e.Message}", StopAsync);
        }
    }

    /// <summary>
    /// Streams one turn into <paramref name="answer"/>; false when it was refused before the stream began, which is shown
    /// (with <paramref name="retry"/> when given).
    /// </summary>
    private async Task<bool> RunTurnAsync(
        MessageState answer, MessageState? user, Func<CancellationToken, IAsyncEnumerable<TurnEvent>> open, Func<Task>? retry)
    {
        _streaming = answer;
        _stopRequested = false;
        var cancellation = StartStreamReading();
        StateHasChanged();
        try
        {
            if (!await ConsumeAsync(answer, user, open(cancellation.Token), cancellation.Token))
            {
                await ResumeAsync(answer, alreadyStreaming: true);
            }
        }
        catch (GatewayException e) when (answer.Id is null)
        {
            HandleSignedOut(e);
            _messages.Remove(answer);
            if (user is not null)
            {
                _messages.Remove(user);
            }
            _turnError = TurnError.From(e, retry);
            return false;
        }
        catch (Exception e) when (answer.Id is not null && IsConnectionLoss(e, cancellation.Token))
        {
            await ResumeAsync(answer, alreadyStreaming: true);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Another conversation was opened; the answer goes on at the server and is resumed when this one is opened again.
        }
        finally
        {
            EndStreaming(answer);
        }
        return true;
    }

    /// <summary>Follows an answer that is streaming from its last event, retrying a lost connection a few times.</summary>
    private async Task ResumeAsync(MessageState answer, bool alreadyStreaming = false)
    {
        if (_conversation is null || answer.Id is not { } messageId || (_streaming is not null && !alreadyStreaming))
        {
            return;
        }
        var conversationId = _conversation.Id;
        _streaming = answer;
        var cancellation = alreadyStreaming && _streamCancellation is not null ? _streamCancellation : StartStreamReading();
        StateHasChanged();
        try
        {
            foreach (var delay in ResumeDelays.Prepend(TimeSpan.Zero))
            {
                await Task.Delay(delay, Time, cancellation.Token);
                try
                {
                    if (await ConsumeAsync(answer, null, Gateway.ResumeAsync(conversationId, messageId, answer.LastEventId, cancellation.Token), cancellation.Token))
                    {
                        return;
                    }
                }
                catch (Exception e) when (IsConnectionLoss(e, cancellation.Token))
                {
                    LogResumeFailed(Logger, messageId, e.Message);
                }
            }
            answer.Error = "The connection was lost while the answer was streaming.";
            answer.NotifyChanged();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            if (!alreadyStreaming)
            {
                EndStreaming(answer);
            }
        }
    }

    /// <summary>Applies a turn's events; true once a terminal event (done or error) arrived.</summary>
    private async Task<bool> ConsumeAsync(MessageState answer, MessageState? user, IAsyncEnumerable<TurnEvent> events, CancellationToken cancellationToken)
    {
        var throttle = new RenderThrottle(answer, RenderInterval, Time);
        await foreach (var turnEvent in events.WithCancellation(cancellationToken))
        {
            if (turnEvent.Id != 0 && turnEvent.Id <= answer.LastEventId)
            {
                continue;
            }
            answer.LastEventId = turnEvent.Id;
            switch (turnEvent.Type)
            {
                case TurnEvent.Started:
                    var started = turnEvent.Data.Deserialize<TurnStartedData>(JsonDefaults.Options)!;
                    if (user is not null && started.UserMessage is { } userMessage)
                    {
                        user.Apply(userMessage);
                        RememberSibling(userMessage);
                    }
                    answer.Apply(started.AssistantMessage with { Content = answer.Content });
                    answer.Notices = started.Notices ?? [];
                    RememberSibling(started.AssistantMessage);
                    if (_stopRequested && _conversation is not null)
                    {
                        await SignalStopAsync(_conversation.Id, started.AssistantMessage.Id);
                    }
                    user?.NotifyChanged();
                    answer.NotifyChanged();
                    StateHasChanged();
                    break;
                case TurnEvent.Delta:
                    answer.Append(turnEvent.Data.Deserialize<DeltaData>(JsonDefaults.Options)!.Text);
                    throttle.Changed();
                    break;
                case TurnEvent.Done:
                    var done = turnEvent.Data.Deserialize<DoneData>(JsonDefaults.Options)!;
                    answer.Apply(done.Message);
                    answer.ApplyUsage(done.Usage);
                    answer.Error = null;
                    answer.NotifyChanged();
                    return true;
                case TurnEvent.Error:
                    var error = turnEvent.Data.Deserialize<ErrorData>(JsonDefaults.Options)!;
                    answer.Apply(error.Message);
                    answer.Error = ErrorText(error);
                    answer.NotifyChanged();
                    return true;
            }
        }
        throttle.Flush();
        return false;
    }

    private static string ErrorText(ErrorData error) => error.Code switch
    {
        "rate_limited" => "Rate limited: " + (error.Detail ?? "wait a moment and retry."),
        _ when error.Message.Status == MessageStatus.Interrupted => "The answer was interrupted. " + error.Detail,
        _ => "The model failed to answer. " + error.Detail,
    };

    private CancellationTokenSource StartStreamReading()
    {
        CancelStreamReading();
        _streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(Disposed);
        return _streamCancellation;
    }

    private void CancelStreamReading()
    {
        _streamCancellation?.Cancel();
        _streamCancellation?.Dispose();
        _streamCancellation = null;
    }

    private void EndStreaming(MessageState answer)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }
        if (ReferenceEquals(_streaming, answer))
        {
            _streaming = null;
            _stopRequested = false;
        }
        answer.NotifyChanged();
        StateHasChanged();
        _ = RefreshConversationsAfterTurnAsync();
    }

    private async Task RefreshConversationsAfterTurnAsync()
    {
        await LoadConversationsAsync();
        StateHasChanged();
    }

    private static bool IsConnectionLoss(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or GatewayException { Status: 0 or >= 500 };

    // ---- Branches ----

    private void TruncateFrom(MessageState message)
    {
        var index = _messages.IndexOf(message);
        if (index >= 0)
        {
            _messages.RemoveRange(index, _messages.Count - index);
        }
    }

    private void RememberSibling(Message message) => _branches.Remember(message);

    private bool CanOpenSibling(MessageState message, int step) => _branches.SiblingOf(message, step) is not null;

    private async Task SwitchBranchAsync((MessageState Message, int Step) change)
    {
        if (_streaming is not null || _conversation is null)
        {
            return;
        }
        var (message, step) = change;
        if (_branches.SiblingOf(message, step) is not { } targetId)
        {
            _turnError = new TurnError("That version is not available on this page yet.", ReloadAndRetryAsync);
            return;
        }
        try
        {
            var detail = await Gateway.SelectBranchAsync(_conversation.Id, targetId, Disposed);
            _conversation = detail.ToConversation();
            ShowPath(detail.Messages);
            _turnError = null;
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError(e.Message, () => SwitchBranchAsync(change));
        }
    }

    // ---- Conversation settings and the sidebar ----

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
            _conversations.Insert(0, _conversation);
            _modelChoice.Draft = null;
            _modelChoice.Used(model);
            // The next new chat starts from the default again.
            _draftSystemPrompt = _preferences.Current.SystemPrompt;
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

    private async Task UpdateConversationAsync(UpdateConversationRequest request)
    {
        try
        {
            _conversation = await Gateway.UpdateConversationAsync(_conversation!.Id, request, Disposed);
            ReplaceInList(_conversation);
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _turnError = new TurnError(e.Message, () => UpdateConversationAsync(request));
        }
    }

    private async Task RenameAsync((Conversation Conversation, string Title) rename)
    {
        try
        {
            var updated = await Gateway.UpdateConversationAsync(rename.Conversation.Id, new UpdateConversationRequest(Title: rename.Title), Disposed);
            ReplaceInList(updated);
            if (_conversation?.Id == updated.Id)
            {
                _conversation = updated;
            }
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversationsError = e.Message;
        }
    }

    private async Task DeleteAsync(Conversation conversation)
    {
        try
        {
            await Gateway.DeleteConversationAsync(conversation.Id, Disposed);
            _conversations.RemoveAll(c => c.Id == conversation.Id);
            if (_conversation?.Id == conversation.Id)
            {
                NewChat();
            }
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversationsError = e.Message;
        }
    }

    // ---- Organising (docs/conversations.md) ----

    private async Task ChangeViewAsync(SidebarView view)
    {
        _view = view;
        await LoadConversationsAsync();
    }

    private Task CreateFolderAsync(string name) => OrganiseThenReloadAsync(() => Gateway.CreateFolderAsync(name, Disposed));

    private Task RenameFolderAsync((Folder Folder, string Name) rename) =>
        OrganiseThenReloadAsync(() => Gateway.RenameFolderAsync(rename.Folder.Id, rename.Name, Disposed));

    private Task DeleteFolderAsync(Folder folder) => OrganiseThenReloadAsync(async () =>
    {
        await Gateway.DeleteFolderAsync(folder.Id, Disposed);
        if (_view.FolderId == folder.Id)
        {
            _view = SidebarView.All;
        }
    });

    private Task OrganiseAsync((Conversation Conversation, JsonObject Changes) organise) => OrganiseThenReloadAsync(async () =>
    {
        var updated = await Gateway.OrganiseConversationAsync(organise.Conversation.Id, organise.Changes, Disposed);
        if (_conversation?.Id == updated.Id)
        {
            _conversation = updated;
        }
    });

    private Task BulkAsync((IReadOnlyCollection<Guid> Ids, string Action, Guid? FolderId) bulk) => OrganiseThenReloadAsync(async () =>
    {
        await Gateway.BulkAsync(bulk.Ids, bulk.Action, bulk.FolderId, Disposed);
        if (bulk.Action == "delete" && _conversation is { } open && bulk.Ids.Contains(open.Id))
        {
            NewChat();
        }
    });

    /// <summary>
    /// The change, then the list, folders and tags read again: a star, an archive or a move changes where a chat is
    /// listed (or whether it is), which the server's order and filters decide.
    /// </summary>
    private async Task OrganiseThenReloadAsync(Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (GatewayException e)
        {
            HandleSignedOut(e);
            _conversationsError = e.Message;
            return;
        }
        await LoadConversationsAsync();
    }

    private void ReplaceInList(Conversation conversation)
    {
        var index = _conversations.FindIndex(c => c.Id == conversation.Id);
        if (index >= 0)
        {
            _conversations[index] = conversation;
        }
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the answer {MessageId} failed: {Reason}")]
    private static partial void LogResumeFailed(ILogger logger, Guid messageId, string reason);
}

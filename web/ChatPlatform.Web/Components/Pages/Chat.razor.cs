using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace ChatPlatform.Web.Components.Pages;

/// <summary>
/// The chat: sidebar, conversation and composer. The page composes the parts that do the work: the sidebar's
/// <see cref="ConversationList"/>, the <see cref="ModelChoice"/>, the <see cref="ConversationThread"/> on show and the
/// <see cref="TurnStreamer"/> that streams answers into it; it starts turns and keeps the open conversation.
/// </summary>
public sealed partial class Chat
{
    private const int MaxTitleLength = 60;

    private readonly ConversationThread _thread = new();
    private readonly ModelChoice _modelChoice = new();
    private readonly CancellationTokenSource _disposed = new();
    private ConversationList _list = default!;
    private TurnStreamer _turns = default!;

    private Conversation? _conversation;
    private string? _draftSystemPrompt;
    private string? _systemPromptDraft;
    private bool _showSystemPrompt;
    private bool _showParameters;
    // A new chat's parameters, set on the conversation once its first message creates it.
    private ConversationParameterValues _draftParameters = NoParameters;
    private bool _loading;
    private bool _searchOpen;
    private bool _shortcutsOpen;
    private Composer? _composer;
    // The search result last opened (?m=), and the message still to scroll to once drawn.
    private Guid? _openedMessage;
    private Guid? _scrollTo;
    private string? _loadError;
    private TurnError? _turnError;
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

    private string? SelectedModel => _modelChoice.Selected(_conversation, _list.Items);

    private ModelInfo? SelectedModelInfo => _modelChoice.Find(SelectedModel);

    private string? SystemPrompt => _conversation is null ? _draftSystemPrompt : _conversation.SystemPrompt;

    private static readonly ConversationParameterValues NoParameters = new(null, null);

    private ConversationParameterValues Parameters =>
        _conversation is null ? _draftParameters : new(_conversation.Temperature, _conversation.MaxOutputTokens);

    private bool Streaming => _turns.IsStreaming;

    private string ModelName(string model) => _modelChoice.Find(model)?.Name ?? model;

    private CancellationToken Disposed => _disposed.Token;

    protected override void OnInitialized()
    {
        _list = new ConversationList(Gateway, HandleSignedOut);
        _turns = new TurnStreamer(Gateway, _thread, Time, Logger, Disposed)
        {
            Render = StateHasChanged,
            Ended = () => _ = RefreshConversationsAfterTurnAsync(),
            StopFailed = StopFailed,
        };
    }

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
            LeaveConversation();
            await OpenAtMessageAsync(openId, target);
            return;
        }
        if (ConversationId == _conversation?.Id && (ConversationId is not null || _thread.Count == 0 || Streaming))
        {
            return;
        }
        LeaveConversation();
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

    // ---- Loading ----

    private Task LoadConversationsAsync() => _list.LoadAsync(Disposed);

    private Task LoadMoreConversationsAsync() => _list.LoadMoreAsync(Disposed);

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
        if (await _modelChoice.LoadAsync(Gateway, Disposed) is { } failure)
        {
            HandleSignedOut(failure);
        }
    }

    private async Task RefreshConversationsAfterTurnAsync()
    {
        await LoadConversationsAsync();
        StateHasChanged();
    }

    /// <summary>Stops following the conversation on show (its answer goes on at the server) and clears the thread.</summary>
    private void LeaveConversation()
    {
        _turns.Detach();
        _thread.Clear();
        _turnError = null;
        _loadError = null;
        _showSystemPrompt = false;
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
            _thread.Show(detail.Messages, keep: messageId);
            _scrollTo = messageId;
        }
        catch (GatewayException e) when (e.Status == 400)
        {
            _loading = false;
            await LoadConversationAsync(id);
        }
        catch (GatewayException e)
        {
            LoadFailed(e);
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
            _thread.Show(detail.Messages);
        }
        catch (GatewayException e)
        {
            LoadFailed(e);
        }
        finally
        {
            _loading = false;
        }
        // An answer still streaming (the page was reloaded or the connection dropped): pick it up where it is.
        if (_thread.Last is { Role: MessageRole.Assistant, IsStreaming: true } streaming && _conversation is not null)
        {
            streaming.Replace("");
            _ = _turns.ResumeAsync(_conversation.Id, streaming);
        }
    }

    private void LoadFailed(GatewayException e)
    {
        HandleSignedOut(e);
        _conversation = null;
        _loadError = e.Status == 404 ? "This conversation does not exist or was deleted." : e.Message;
    }
}

using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// Which model the chat shows: a conversation's own; for a new chat the one picked for it, else the person's default
/// model (Settings), else the one last used (picked or sent to on this page, else that of the most recently active
/// conversation), while it is still offered, else the first offered.
/// </summary>
public sealed class ModelChoice
{
    private string? _lastUsed;

    public IReadOnlyList<ModelInfo> Models { get; set; } = [];

    /// <summary>Why no model can be picked (none offered, or the list failed to load), else null.</summary>
    public string? Error { get; private set; }

    /// <summary>The model picked for the new chat, before its first message.</summary>
    public string? Draft { get; set; }

    /// <summary>The default model of the person's settings, when they chose one.</summary>
    public string? Default { get; set; }

    public void Used(string model) => _lastUsed = model;

    /// <param name="conversation">The open conversation, or null for a new chat.</param>
    /// <param name="byActivity">The user's conversations, most recently active first.</param>
    public string? Selected(Conversation? conversation, IReadOnlyList<Conversation> byActivity) =>
        conversation?.Model ?? Draft ?? Offered(Default) ?? Offered(_lastUsed) ?? Offered(byActivity.FirstOrDefault()?.Model) ?? Models.FirstOrDefault()?.Id;

    public ModelInfo? Find(string? model) => Models.FirstOrDefault(m => m.Id == model);

    private string? Offered(string? model) => model is not null && Models.Any(m => m.Id == model) ? model : null;

    /// <summary>Reads the models the gateway offers this person; a failure is kept in <see cref="Error"/> and returned.</summary>
    public async Task<GatewayException?> LoadAsync(GatewayClient gateway, CancellationToken cancellationToken)
    {
        try
        {
            Models = await gateway.ListModelsAsync(cancellationToken);
            Error = Models.Count == 0 ? "No models are available." : null;
            return null;
        }
        catch (GatewayException e)
        {
            Error = "Models could not be loaded.";
            return e;
        }
    }
}

using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The signed-in person's verdicts in the conversation on screen, read once when its first answer asks for them (one
/// request per conversation, not one per answer) and kept up to date as they change them.
/// </summary>
public sealed class ConversationFeedback(GatewayClient gateway)
{
    private Guid? _conversationId;
    private Task<Dictionary<Guid, AnswerFeedback>>? _verdicts;

    public async Task<AnswerFeedback?> OfAsync(Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        if (_conversationId != conversationId || _verdicts is null || _verdicts.IsFaulted || _verdicts.IsCanceled)
        {
            _conversationId = conversationId;
            _verdicts = LoadAsync(conversationId, cancellationToken);
        }
        return (await _verdicts).GetValueOrDefault(messageId);
    }

    public async Task<AnswerFeedback> SetAsync(Guid conversationId, Guid messageId, string rating, string? comment, CancellationToken cancellationToken)
    {
        var feedback = await gateway.SetFeedbackAsync(conversationId, messageId, rating, comment, cancellationToken);
        await RememberAsync(conversationId, verdicts => verdicts[messageId] = feedback);
        return feedback;
    }

    public async Task RemoveAsync(Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await gateway.DeleteFeedbackAsync(conversationId, messageId, cancellationToken);
        await RememberAsync(conversationId, verdicts => verdicts.Remove(messageId));
    }

    private async Task RememberAsync(Guid conversationId, Action<Dictionary<Guid, AnswerFeedback>> change)
    {
        if (_conversationId == conversationId && _verdicts is { IsCompletedSuccessfully: true })
        {
            change(await _verdicts);
        }
    }

    private async Task<Dictionary<Guid, AnswerFeedback>> LoadAsync(Guid conversationId, CancellationToken cancellationToken) =>
        (await gateway.ListFeedbackAsync(conversationId, cancellationToken)).ToDictionary(f => f.MessageId);
}

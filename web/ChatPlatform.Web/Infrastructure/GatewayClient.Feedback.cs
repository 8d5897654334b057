using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>Thumbs up or down on answers (chat's feedback API), and the admins' list of recent verdicts.</summary>
public sealed partial class GatewayClient
{
    public async Task<IReadOnlyList<AnswerFeedback>> ListFeedbackAsync(Guid conversationId, CancellationToken cancellationToken) =>
        (await SendAsync<AnswerFeedbackList>(HttpMethod.Get, $"/v1/conversations/{conversationId}/feedback", null, cancellationToken)).Items;

    public Task<AnswerFeedback> SetFeedbackAsync(Guid conversationId, Guid messageId, string rating, string? comment, CancellationToken cancellationToken) =>
        SendAsync<AnswerFeedback>(HttpMethod.Put, $"/v1/conversations/{conversationId}/messages/{messageId}/feedback", new { rating, comment }, cancellationToken);

    public async Task DeleteFeedbackAsync(Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/conversations/{conversationId}/messages/{messageId}/feedback", null, null, cancellationToken);
    }

    public async Task<IReadOnlyList<AdminFeedbackItem>> ListRecentFeedbackAsync(int limit, CancellationToken cancellationToken) =>
        (await SendAsync<AdminFeedbackList>(HttpMethod.Get, $"/v1/admin/chat/feedback?limit={limit}", null, cancellationToken)).Items;
}

namespace ChatPlatform.Web.Model;

/// <summary>The signed-in person's verdict on one answer: <c>"up"</c> or <c>"down"</c>, with an optional comment.</summary>
public sealed record AnswerFeedback(Guid MessageId, string Rating, string? Comment, DateTimeOffset UpdatedAt);

public sealed record AnswerFeedbackList(IReadOnlyList<AnswerFeedback> Items);

/// <summary>A verdict as the admins see it: whose, on which answer of which model, and the answer's opening.</summary>
public sealed record AdminFeedbackItem(
    Guid UserId, Guid ConversationId, Guid MessageId, string Rating, string? Comment, string? Model, string AnswerExcerpt, DateTimeOffset UpdatedAt);

public sealed record AdminFeedbackList(IReadOnlyList<AdminFeedbackItem> Items);

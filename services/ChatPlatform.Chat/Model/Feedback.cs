namespace ChatPlatform.Chat.Model;

/// <summary>A user's verdict on one answer: <c>"up"</c> or <c>"down"</c>, with an optional comment.</summary>
public sealed record FeedbackRequest(string? Rating, string? Comment);

public sealed record Feedback(Guid MessageId, string Rating, string? Comment, DateTimeOffset UpdatedAt);

public sealed record FeedbackList(IReadOnlyList<Feedback> Items);

/// <summary>What an admin sees of one verdict: whose, on which answer of which model, and the answer's opening.</summary>
public sealed record AdminFeedback(
    Guid UserId, Guid ConversationId, Guid MessageId, string Rating, string? Comment, string? Model, string AnswerExcerpt, DateTimeOffset UpdatedAt);

public sealed record AdminFeedbackList(IReadOnlyList<AdminFeedback> Items);

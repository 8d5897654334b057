using System.Text.Json.Serialization;

namespace ChatPlatform.Web.Model;

// The gateway's public API as this app reads it (docs/turns.md and the gateway's and chat's models).

public sealed record AuthTokens(string AccessToken, string RefreshToken, int ExpiresIn, UserInfo User);

public sealed record UserInfo(Guid Id, string Email, string Role, string Tier);

public sealed record Conversation(
    Guid Id, string? Title, string Model, string? SystemPrompt, Guid? CurrentLeafId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextCursor);

public sealed record ConversationDetail(
    Guid Id,
    string? Title,
    string Model,
    string? SystemPrompt,
    Guid? CurrentLeafId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<Message> Messages)
{
    public Conversation ToConversation() => new(Id, Title, Model, SystemPrompt, CurrentLeafId, CreatedAt, UpdatedAt);
}

public enum MessageRole
{
    User,
    Assistant,
    System,
}

public enum MessageStatus
{
    Complete,
    Streaming,
    Stopped,
    Interrupted,
    Failed,
}

/// <summary>
/// A message as the conversations API and the turn events return it. <see cref="SiblingCount"/> is present on a path's
/// messages only; <see cref="SiblingIds"/> only where the API lists them (in sibling order).
/// </summary>
public sealed record Message(
    Guid Id,
    Guid ConversationId,
    Guid? ParentId,
    MessageRole Role,
    string Content,
    MessageStatus Status,
    string? Model,
    DateTimeOffset CreatedAt,
    int SiblingIndex,
    int? SiblingCount = null,
    IReadOnlyList<Guid>? SiblingIds = null,
    IReadOnlyList<MessageAttachment>? Attachments = null,
    IReadOnlyList<Citation>? Citations = null,
    decimal? CostUsd = null,
    bool? UsageEstimated = null);

public sealed record CreateConversationRequest(string Model, string? SystemPrompt, string? Title);

public sealed record UpdateConversationRequest(string? Title = null, string? SystemPrompt = null, string? Model = null);

// snake_case: GET /v1/models is OpenAI's shape.
public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelInfo> Data);

public sealed record ModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("context_window")] int ContextWindow,
    [property: JsonPropertyName("capabilities")] ModelCapabilities? Capabilities,
    [property: JsonPropertyName("simulated")] bool Simulated)
{
    public string Name => string.IsNullOrWhiteSpace(DisplayName) ? Id : DisplayName;
}

public sealed record ModelCapabilities(
    [property: JsonPropertyName("vision")] bool Vision,
    [property: JsonPropertyName("tools")] bool Tools);

public sealed record TurnUsage(
    long InputTokens, long OutputTokens, bool Estimated, decimal? CostUsd, string? Model, long? TimeToFirstTokenMs, string? Deployment = null);

using System.Text.Json.Serialization;

namespace ChatPlatform.Web.Model;

// The gateway's public API as this app reads it (docs/turns.md and the gateway's and chat's models).

public sealed record AuthTokens(string AccessToken, string RefreshToken, int ExpiresIn, UserInfo User);

public sealed record UserInfo(Guid Id, string Email, string Role, string Tier);

public sealed record Conversation(
    Guid Id, string? Title, string Model, string? SystemPrompt, Guid? CurrentLeafId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public Guid? FolderId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Starred { get; init; }

    public bool Archived { get; init; }

    /// <summary>The sampling temperature of every turn; null for the model's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The longest answer of every turn; null for the model's limit.</summary>
    public int? MaxOutputTokens { get; init; }
}

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
    public Guid? FolderId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Starred { get; init; }

    public bool Archived { get; init; }

    public double? Temperature { get; init; }

    public int? MaxOutputTokens { get; init; }

    public Conversation ToConversation() => new(Id, Title, Model, SystemPrompt, CurrentLeafId, CreatedAt, UpdatedAt)
    {
        FolderId = FolderId,
        Tags = Tags,
        Starred = Starred,
        Archived = Archived,
        Temperature = Temperature,
        MaxOutputTokens = MaxOutputTokens,
    };
}

/// <summary>A folder of conversations (docs/conversations.md).</summary>
public sealed record Folder(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record FolderList(IReadOnlyList<Folder> Items);

public sealed record TagCount(string Tag, int Count);

public sealed record TagList(IReadOnlyList<TagCount> Items);

/// <summary>
/// What the sidebar lists: every conversation not archived, one folder's, one tag's, or the archived ones (the Archived
/// view, where they are restored).
/// </summary>
public sealed record SidebarView(Guid? FolderId = null, string? Tag = null, bool Archived = false)
{
    public static readonly SidebarView All = new();

    public string Query =>
        (FolderId is { } folder ? $"&folder={folder}" : "")
        + (Tag is { } tag ? $"&tag={Uri.EscapeDataString(tag)}" : "")
        + (Archived ? "&archived=true" : "");
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
    bool? UsageEstimated = null,
    string? FinishReason = null);

public sealed record CreateConversationRequest(string Model, string? SystemPrompt, string? Title);

public sealed record UpdateConversationRequest(string? Title = null, string? SystemPrompt = null, string? Model = null);

// snake_case: GET /v1/models is OpenAI's shape.
public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelInfo> Data);

public sealed record ModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("context_window")] int ContextWindow,
    [property: JsonPropertyName("capabilities")] ModelCapabilities? Capabilities,
    [property: JsonPropertyName("simulated")] bool Simulated,
    [property: JsonPropertyName("max_output_tokens")] int? MaxOutputTokens = null)
{
    public string Name => string.IsNullOrWhiteSpace(DisplayName) ? Id : DisplayName;

    /// <summary>Whether a conversation on this model may set a temperature (reasoning models take none).</summary>
    public bool AllowsTemperature => Capabilities?.Temperature != false;

    /// <summary>The longest answer chat asks this model for: its limit, at most half its window (as chat's ContextBuilder).</summary>
    public int OutputLimit => Math.Max(1, Math.Min(MaxOutputTokens ?? int.MaxValue, ContextWindow / 2));
}

/// <param name="Temperature">Absent (null) when the catalog does not say: a temperature is then allowed.</param>
public sealed record ModelCapabilities(
    [property: JsonPropertyName("vision")] bool Vision,
    [property: JsonPropertyName("tools")] bool Tools,
    [property: JsonPropertyName("temperature")] bool? Temperature = null);

/// <summary>A conversation's sampling parameters (docs/conversations.md); null for the model's default.</summary>
public sealed record ConversationParameterValues(double? Temperature, int? MaxOutputTokens);

public sealed record TurnUsage(
    long InputTokens, long OutputTokens, bool Estimated, decimal? CostUsd, string? Model, long? TimeToFirstTokenMs, string? Deployment = null);

/// <summary>The gateway's <c>202</c> to a right password of an account with two-factor sign-in.</summary>
public sealed record TwoFactorChallenge(string Challenge, int ExpiresIn);

/// <summary>A sign-in's first step: tokens, or a challenge to complete with a code.</summary>
public sealed record SignInOutcome(AuthTokens? Tokens, string? Challenge);

public sealed record TwoFactorStatus(bool Enabled, int RecoveryCodesLeft);

public sealed record TwoFactorSetup(string Secret, string Uri);

public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

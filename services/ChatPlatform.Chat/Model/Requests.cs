using System.Text.Json.Serialization;

namespace ChatPlatform.Chat.Model;

public sealed record CreateConversationRequest(string? Model, string? SystemPrompt, string? Title);

/// <summary>Only the fields present change.</summary>
public sealed record UpdateConversationRequest(string? Title, string? SystemPrompt, string? Model);

/// <summary>
/// <c>parentId</c> absent: the message continues the current leaf. <c>parentId: null</c>: a new root (editing the first
/// message). So presence is tracked apart from the value.
/// </summary>
public sealed class AppendMessageRequest
{
    private readonly Guid? _parentId;
    private readonly bool _parentIdGiven;

    public string? Content { get; init; }

    /// <summary>
    /// The files the message attaches (<c>POST .../turns</c> only). Absent on an edit: the edited message's files are kept;
    /// <c>[]</c> attaches none.
    /// </summary>
    public IReadOnlyList<Guid>? FileIds { get; init; }

    public Guid? ParentId
    {
        get => _parentId;
        init
        {
            _parentId = value;
            _parentIdGiven = true;
        }
    }

    [JsonIgnore]
    public bool ParentIdGiven => _parentIdGiven;
}

public sealed record SelectLeafRequest(Guid? MessageId);

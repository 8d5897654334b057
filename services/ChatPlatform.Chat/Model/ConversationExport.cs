namespace ChatPlatform.Chat.Model;

/// <summary>
/// One conversation's whole tree as exported and imported (docs/conversations.md, Export): <see cref="Format"/>
/// <c>chatplatform.conversation</c>, <see cref="Version"/> 1. A later version adds fields or bumps the number; a reader
/// refuses a version it does not know rather than guess.
/// </summary>
public sealed record ConversationExport(
    string Format,
    int Version,
    DateTimeOffset ExportedAt,
    Guid Id,
    string? Title,
    string Model,
    string? SystemPrompt,
    Guid? CurrentLeafId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ExportedFolder? Folder,
    IReadOnlyList<string> Tags,
    bool Starred,
    bool Archived,
    DateTimeOffset? ArchivedAt,
    IReadOnlyList<ExportedMessage> Messages)
{
    public const string FormatName = "chatplatform.conversation";
    public const int CurrentVersion = 1;
}

public sealed record ExportedFolder(Guid Id, string Name);

/// <summary>A node of the tree; parents come before their children, siblings in their order.</summary>
public sealed record ExportedMessage(
    Guid Id,
    Guid? ParentId,
    string Role,
    string Content,
    string Status,
    string? Model,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Attachment> Attachments,
    IReadOnlyList<Citation> Citations);

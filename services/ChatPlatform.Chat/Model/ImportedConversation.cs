namespace ChatPlatform.Chat.Model;

/// <summary>
/// A conversation read from an import file, checked and not yet written: its messages parents first, each naming its
/// parent by index in <see cref="Messages"/>; <see cref="SelectedLeaf"/> the branch to show, by index.
/// </summary>
public sealed record ImportedConversation(
    string Title,
    string Model,
    string? SystemPrompt,
    string? FolderName,
    IReadOnlyList<string> Tags,
    bool Starred,
    bool Archived,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ImportedMessage> Messages,
    int? SelectedLeaf);

public sealed record ImportedMessage(int? Parent, MessageRole Role, string Content, MessageStatus Status, string? Model, DateTimeOffset CreatedAt);

/// <summary>What <c>POST /v1/conversations/import</c> answers: the conversations written and what was left out of them.</summary>
public sealed record ImportResult(IReadOnlyList<ImportedSummary> Conversations, IReadOnlyList<string> Notes);

public sealed record ImportedSummary(Guid Id, string Title, int Messages);

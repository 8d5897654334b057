namespace ChatPlatform.Web.Model;

/// <summary>What an import wrote (docs/conversations.md, Import) and what it left out of it.</summary>
public sealed record ImportResult(IReadOnlyList<ImportedConversation> Conversations, IReadOnlyList<string> Notes);

public sealed record ImportedConversation(Guid Id, string Title, int Messages);

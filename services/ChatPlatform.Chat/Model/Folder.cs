namespace ChatPlatform.Chat.Model;

/// <summary>A user's folder of conversations; a conversation is in at most one.</summary>
public sealed record Folder(Guid Id, string Name, DateTimeOffset CreatedAt);

/// <summary>The name is trimmed before it is checked and stored.</summary>
public sealed record FolderRequest(string? Name);

/// <summary>A tag of the user's and the number of their conversations carrying it (archived ones included).</summary>
public sealed record TagCount(string Tag, int Count);

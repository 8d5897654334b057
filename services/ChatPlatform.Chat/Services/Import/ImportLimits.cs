namespace ChatPlatform.Chat.Services.Import;

/// <summary>
/// What one import may hold. A ChatGPT export of a heavy user runs to a few thousand conversations and tens of
/// megabytes; larger ones are imported in parts (the web app says so). Every limit answers 400 and writes nothing.
/// </summary>
public static class ImportLimits
{
    /// <summary>The request body (JSON, a zip, or either in multipart/form-data).</summary>
    public const int MaxBytes = 25 * 1024 * 1024;

    /// <summary>Everything a zip's conversation entries hold once inflated: a zip bomb stops here, not in memory.</summary>
    public const long MaxInflatedBytes = 100L * 1024 * 1024;

    public const int MaxZipEntries = 5_000;

    public const int MaxConversations = 2_000;

    /// <summary>Nodes of one conversation's tree (a ChatGPT mapping's nodes, our messages).</summary>
    public const int MaxMessagesPerConversation = 10_000;

    public const int MaxMessages = 100_000;

    /// <summary>JSON nesting: our format needs 6 levels and ChatGPT's about 8; a deeper document is refused as it is read.</summary>
    public const int MaxJsonDepth = 32;

    public const int MaxNotes = 50;
}

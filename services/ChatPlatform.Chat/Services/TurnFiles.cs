using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// What a turn sends of its conversation's files: ingestion's context (passages and images), which message of the path
/// attached which files (images go on that message), what the new user message attaches, and the notices the turn's first
/// event carries (an image sent as its text).
/// </summary>
public sealed record TurnFiles(
    FileContext Context,
    IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> FilesByMessage,
    IReadOnlyList<Attachment> NewAttachments,
    IReadOnlyList<string> Notices)
{
    public static readonly TurnFiles None = new(FileContext.Empty, new Dictionary<Guid, IReadOnlyList<Guid>>(), [], []);

    /// <summary>These files once the new user message is written: its own attachments are on it.</summary>
    public TurnFiles WithQuestion(Guid questionId) => NewAttachments.Count == 0
        ? this
        : this with { FilesByMessage = new Dictionary<Guid, IReadOnlyList<Guid>>(FilesByMessage) { [questionId] = [.. NewAttachments.Select(a => a.Id)] } };
}

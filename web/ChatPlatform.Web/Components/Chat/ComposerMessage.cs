using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>What the composer sends: the text and the ready files it attaches.</summary>
public sealed record ComposerMessage(string Text, IReadOnlyList<MessageAttachment> Attachments)
{
    public IReadOnlyList<Guid> FileIds => [.. Attachments.Select(a => a.Id)];
}

namespace ChatPlatform.Chat.Services;

/// <summary>This process, as the sweepers see it: its streaming answers carry this id, and its heartbeat row is keyed by it.</summary>
public sealed class ChatInstance
{
    public Guid Id { get; } = Guid.CreateVersion7();
}

using System.Text.Json;

namespace ChatPlatform.Web.Model;

/// <summary>One SSE frame of a turn (docs/turns.md): its id, its type and its JSON data.</summary>
public sealed record TurnEvent(long Id, string Type, JsonElement Data)
{
    public const string Started = "turn.started";
    public const string Delta = "delta";
    public const string Done = "done";
    public const string Error = "error";

    public bool IsTerminal => Type is Done or Error;
}

/// <summary><paramref name="Notices"/>: how the turn was sent, when the person should know (a photo sent as its text to a model without vision).</summary>
public sealed record TurnStartedData(Guid ConversationId, Message? UserMessage, Message AssistantMessage, IReadOnlyList<string>? Notices = null);

public sealed record DeltaData(string Text);

public sealed record DoneData(Message Message, string? FinishReason, TurnUsage? Usage);

public sealed record ErrorData(Message Message, string? Code, string? Detail);

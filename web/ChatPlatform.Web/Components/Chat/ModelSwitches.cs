using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// Where the thread says "Switched to X": before an answer written by another model than the answer before it, and at
/// the end when the conversation's model is no longer the one that wrote its last answer (it will write the next).
/// </summary>
public static class ModelSwitches
{
    /// <summary>The model switched to just before the message at <paramref name="index"/>, or null.</summary>
    /// <param name="conversationModel">The conversation's model: it writes an answer still waiting for its own.</param>
    public static string? Before(IReadOnlyList<MessageState> thread, int index, string? conversationModel)
    {
        if (thread[index].Role != MessageRole.Assistant)
        {
            return null;
        }
        var model = thread[index].Model ?? conversationModel;
        return PreviousAnswerModel(thread, index) is { } previous && model is not null && model != previous ? model : null;
    }

    /// <summary>The model switched to after the last answer (the next answer's), or null.</summary>
    public static string? AtEnd(IReadOnlyList<MessageState> thread, string? conversationModel) =>
        PreviousAnswerModel(thread, thread.Count) is { } previous && conversationModel is not null && conversationModel != previous
            ? conversationModel
            : null;

    private static string? PreviousAnswerModel(IReadOnlyList<MessageState> thread, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            if (thread[i].Role == MessageRole.Assistant)
            {
                return thread[i].Model;
            }
        }
        return null;
    }
}

using System.Text;
using ChatPlatform.ModelRouter.OpenAI;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// One fragment of a streamed tool call, as OpenAI's <c>delta.tool_calls</c> sends it: the first carries the call's id
/// and function name, the next ones pieces of its arguments, under the call's index (which some OpenAI-compatible
/// servers leave out, or send as 0 for every call). It stays in its update: the answer has started, and routing's
/// silence timers see the provider is still writing; only the whole call is sent on to the caller.
/// </summary>
internal sealed class ToolCallDelta(int? index, string? id, string? name, string? arguments) : AIContent
{
    public int? Index { get; } = index;

    public string? Id { get; } = id;

    public string? Name { get; } = name;

    public string? Arguments { get; } = arguments;
}

/// <summary>
/// Puts a stream's tool call fragments together; each call is whole, arguments and all, once the provider says why the
/// answer ended (OpenAI's <c>finish_reason</c> comes after the last fragment). A fragment with a new id opens a new
/// call even under an index already used; one without an id continues the call last opened under its index.
/// </summary>
internal sealed class StreamedToolCalls
{
    private readonly List<(string? Id, string? Name, StringBuilder Arguments)> _calls = [];
    private readonly Dictionary<int, int> _openByIndex = [];

    public bool IsEmpty => _calls.Count == 0;

    /// <summary>Whether the update holds any fragment; checked on every chunk, so without allocating.</summary>
    public static bool HasFragments(ChatResponseUpdate update)
    {
        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is ToolCallDelta)
            {
                return true;
            }
        }
        return false;
    }

    public void Add(ChatResponseUpdate update)
    {
        foreach (var delta in update.Contents.OfType<ToolCallDelta>())
        {
            var index = delta.Index ?? -1;
            if (!_openByIndex.TryGetValue(index, out var open) || (delta.Id is { } id && _calls[open].Id is { } openId && openId != id))
            {
                open = _calls.Count;
                _calls.Add((null, null, new StringBuilder()));
                _openByIndex[index] = open;
            }
            var (callId, name, arguments) = _calls[open];
            _calls[open] = (callId ?? delta.Id, name ?? delta.Name, arguments.Append(delta.Arguments));
        }
    }

    /// <summary>The calls put together, in the order they were opened; a call that came without an id gets one.</summary>
    public List<AIContent> Complete()
    {
        var calls = _calls
            .Select(call => (AIContent)ToolCalls.Create(call.Id ?? $"call_{Guid.NewGuid():N}", call.Name ?? "", call.Arguments.ToString()))
            .ToList();
        _calls.Clear();
        _openByIndex.Clear();
        return calls;
    }
}

using System.Text;
using ChatPlatform.ModelRouter.OpenAI;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// One fragment of a streamed tool call, as OpenAI's <c>delta.tool_calls</c> sends it: the first carries the call's id
/// and function name, the next ones pieces of its arguments, under the call's index (which some OpenAI-compatible
/// servers leave out, or send as 0 for every call). <see cref="StreamedToolCalls.Add"/> renumbers it and gives the
/// first an id when the provider sent none, and it goes on to the caller as it came: the answer has started, routing's
/// silence timers see the provider is still writing, and a client can show the arguments as they are written.
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
    private readonly List<(string Id, string? Name, StringBuilder Arguments)> _calls = [];
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

    /// <summary>
    /// Adds the update's fragments and replaces each with the caller's: numbered by the call's place in the answer, the
    /// first of each call with the call's id (one of ours when the provider sent none) and name, the others with neither.
    /// </summary>
    public void Add(ChatResponseUpdate update)
    {
        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is not ToolCallDelta delta)
            {
                continue;
            }
            var index = delta.Index ?? -1;
            var opens = !_openByIndex.TryGetValue(index, out var open) || (delta.Id is { } id && _calls[open].Id != id);
            if (opens)
            {
                open = _calls.Count;
                _calls.Add((delta.Id ?? $"call_{Guid.NewGuid():N}", delta.Name, new StringBuilder()));
                _openByIndex[index] = open;
            }
            var (callId, name, arguments) = _calls[open];
            _calls[open] = (callId, name ?? delta.Name, arguments.Append(delta.Arguments));
            contents[i] = new ToolCallDelta(open, opens ? callId : null, opens ? delta.Name : null, delta.Arguments);
        }
    }

    /// <summary>The calls put together, in the order they were opened, with the ids their fragments went out with.</summary>
    public List<AIContent> Complete()
    {
        var calls = _calls
            .Select(call => (AIContent)ToolCalls.Create(call.Id, call.Name ?? "", call.Arguments.ToString()))
            .ToList();
        _calls.Clear();
        _openByIndex.Clear();
        return calls;
    }
}

using System.Text;
using ChatPlatform.ModelRouter.OpenAI;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// Puts a stream's tool call fragments together; each call is whole, arguments and all, once the provider says why the
/// answer ended (OpenAI's <c>finish_reason</c> comes after the last fragment). A fragment with a new id opens a new
/// call even under an index already used; one without an id continues the call last opened under its index.
/// </summary>
internal sealed class StreamedToolCalls
{
    private readonly List<Call> _calls = [];
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
            // An id the open call has not seen opens a new call, unless the open call came without one: then the
            // provider names it late, and the caller keeps the id it was given.
            var opens = !_openByIndex.TryGetValue(index, out var open)
                || (delta.Id is { } id && !_calls[open].IdIsOurs && _calls[open].Id != id);
            if (opens)
            {
                open = _calls.Count;
                _calls.Add(new Call(delta.Id ?? $"call_{Guid.NewGuid():N}", idIsOurs: delta.Id is null));
                _openByIndex[index] = open;
            }
            var call = _calls[open];
            call.Arguments.Append(delta.Arguments);
            // The name goes out once, with the first fragment that has it (OpenAI's first).
            var name = call.Name is null ? delta.Name : null;
            call.Name ??= delta.Name;
            contents[i] = new ToolCallDelta(open, opens ? call.Id : null, name, delta.Arguments);
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

    private sealed class Call(string id, bool idIsOurs)
    {
        public string Id { get; } = id;

        public bool IdIsOurs { get; } = idIsOurs;

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}

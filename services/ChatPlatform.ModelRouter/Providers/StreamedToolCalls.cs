using System.Text;
using ChatPlatform.ModelRouter.OpenAI;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// One fragment of a streamed tool call, as OpenAI's <c>delta.tool_calls</c> sends it: the first carries the call's id
/// and function name, the next ones pieces of its arguments, all under the call's index.
/// </summary>
internal sealed class ToolCallDelta(int index, string? id, string? name, string? arguments) : AIContent
{
    public int Index { get; } = index;

    public string? Id { get; } = id;

    public string? Name { get; } = name;

    public string? Arguments { get; } = arguments;
}

/// <summary>
/// Puts a stream's tool call fragments together; each call is whole, arguments and all, once the provider says why the
/// answer ended (OpenAI's <c>finish_reason</c> comes after the last fragment).
/// </summary>
internal sealed class StreamedToolCalls
{
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _calls = [];

    public bool IsEmpty => _calls.Count == 0;

    /// <summary>Moves the update's fragments here; true when it held any.</summary>
    public bool TakeFrom(ChatResponseUpdate update)
    {
        var taken = false;
        foreach (var delta in update.Contents.OfType<ToolCallDelta>())
        {
            taken = true;
            var call = _calls.TryGetValue(delta.Index, out var existing) ? existing : (null, null, new StringBuilder());
            call.Arguments.Append(delta.Arguments);
            _calls[delta.Index] = (call.Id ?? delta.Id, call.Name ?? delta.Name, call.Arguments);
        }
        for (var i = update.Contents.Count - 1; taken && i >= 0; i--)
        {
            if (update.Contents[i] is ToolCallDelta)
            {
                update.Contents.RemoveAt(i);
            }
        }
        return taken;
    }

    /// <summary>The calls put together, in index order; the fragments are cleared.</summary>
    public List<AIContent> Complete()
    {
        var calls = _calls.Values
            .Select(call => (AIContent)ToolCalls.Create(call.Id ?? "", call.Name ?? "", call.Arguments.ToString()))
            .ToList();
        _calls.Clear();
        return calls;
    }
}
